/** The MetricTemplate kind through the API: Flagger's documents unchanged, who may write what, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { BUILTIN_TEMPLATE_NAMES, builtinTemplate } from './builtin-templates.js';

// Flagger's documentation example, as a Flagger user has it
const flaggerTemplate = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'MetricTemplate',
  metadata: { name: 'not-found-percentage', namespace: 'istio-system' },
  spec: {
    provider: {
      type: 'prometheus',
      address: 'http://127.0.0.1:1',
      secretRef: { name: 'prom-basic-auth' },
    },
    query:
      '100 - sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code!="404"}[{{ interval }}])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"}[{{ interval }}])) * 100',
  },
};

const template = (name: string, spec: unknown) => ({ kind: 'MetricTemplate', metadata: { name }, spec });

describe('MetricTemplate kind', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => t?.close());

  it('applies a Flagger MetricTemplate unchanged; its PromQL is left unchecked, with a warning, when Prometheus does not answer', async () => {
    const res = await t.request('POST', '/api/v1/apply', { body: { documents: [flaggerTemplate] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      kind: 'MetricTemplate',
      name: 'not-found-percentage',
      action: 'created',
    });
    expect(JSON.stringify(res.body)).toMatch(
      /PromQL was not checked \(secret PROM_BASIC_AUTH is not declared/,
    );
    const stored = await t.request('GET', '/api/v1/metric-templates/not-found-percentage');
    expect(stored.body.spec).toEqual(flaggerTemplate.spec);
  });

  it('lets a write token write a query for the operator’s Prometheus, but only an admin an address or a secretRef', async () => {
    const writer = await t.token(['write'], 'ci');
    const plain = template('checkout-errors', {
      provider: { type: 'prometheus' },
      query: 'sum(rate(http_errors_total{service="{{ service }}"}[{{ interval }}]))',
      unit: 'req/s',
      better: 'lower',
    });
    const ok = await t.request('POST', '/api/v1/apply', { body: { documents: [plain] }, token: writer });
    expect(ok.status, ok.text).toBe(200);
    for (const provider of [
      { type: 'prometheus', address: 'http://10.0.0.1:9090' },
      { type: 'prometheus', secretRef: { name: 'prom-auth' } },
    ]) {
      const res = await t.request('POST', '/api/v1/apply', {
        body: { documents: [template('elsewhere', { provider, query: 'up' })] },
        token: writer,
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('OPERATOR_ONLY');
      expect(res.body.detail).toMatch(
        /spec\.provider\.(address|secretRef) reach the host; only an admin token/,
      );
    }
    expect((await t.request('GET', '/api/v1/metric-templates/elsewhere')).status).toBe(404);
  });

  it('refuses bad templates, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { provider: { type: 'prometheus' }, query: 'up{job="{{ jobname }}"}' },
        /spec\.query.*unknown template variable \{\{ jobname \}\}/,
      ],
      [{ provider: { type: 'wavefront' }, query: 'x' }, /spec\.provider\.type.*unknown provider type/],
      [{ provider: { type: 'http' }, query: '$.value' }, /spec\.provider\.address.*needs the endpoint/],
      [
        { provider: { type: 'http', address: 'http://127.0.0.1:1/m' }, query: '$.[' },
        /spec\.query.*not a JSONPath/,
      ],
      [
        { provider: { type: 'prometheus' }, query: 'up', range: { step: '0s' } },
        /spec\.range\.step.*longer than zero/,
      ],
      [
        { provider: { type: 'builtin', address: 'http://x' }, query: 'error_rate' },
        /spec\.provider.*takes no address/,
      ],
    ];
    for (const [spec, message] of cases) {
      const res = await t.request('POST', '/api/v1/apply', { body: { documents: [template('bad', spec)] } });
      expect(res.status, JSON.stringify(spec)).toBe(400);
      expect(JSON.stringify(res.body.fields ?? res.body), JSON.stringify(spec)).toMatch(message);
    }
  });

  it('accepts Flagger’s other provider types with a warning that Sluice cannot read them', async () => {
    const res = await t.request('POST', '/api/v1/apply', {
      body: {
        documents: [
          template('dd', {
            provider: { type: 'datadog', address: 'https://api.datadoghq.com' },
            query: 'avg:x',
          }),
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(JSON.stringify(res.body)).toMatch(/does not read datadog/);
  });

  it('has the seed’s built-ins with their units', () => {
    expect(BUILTIN_TEMPLATE_NAMES).toEqual(
      expect.arrayContaining([
        'request-success-rate',
        'request-duration',
        'error-rate',
        'error_rate',
        'latency_p95',
        'bounce_rate',
        'conversion_rate_drop',
      ]),
    );
    expect(builtinTemplate('request-duration')?.spec).toMatchObject({ unit: 's', query: 'latency_p99' });
    expect(builtinTemplate('request-success-rate')?.spec).toMatchObject({ unit: '%', better: 'higher' });
    expect(builtinTemplate('conversion_rate_drop')?.spec.provider.type).toBe('events');
  });
});
