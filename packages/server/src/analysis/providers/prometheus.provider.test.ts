/**
 * The prometheus provider against a real Prometheus (Debian's package, started on loopback,
 * scraping an exposition the test controls): the contract suite, then each way a reading goes
 * wrong — down, slow, 500, NaN, empty vector, several series, a refused query — and auth.
 */
import http from 'node:http';
import { measurementSchema } from '@sluice/core/analysis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  prometheusInstalled,
  startPrometheus,
  type TestPrometheus,
} from '../../test-support/prometheus.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import type { MetricTemplateSpec } from '../templates/metric-template.schema.js';
import type { MetricQuery } from './metric-provider.js';
import { PrometheusMetricProvider } from './prometheus.provider.js';
import { metricProviderContract } from './provider.case.js';

if (!prometheusInstalled())
  throw new Error('Prometheus is missing: apt-get install -y prometheus (.ci/run does)');

/** An exposition whose gauges the tests set: `test_value` and `test_samples` by fixture and version. */
const gauges = new Map<string, number>();
let exporter: http.Server;
let prometheus: TestPrometheus;
const setGauge = (name: string, fixture: string, version: string, value: number) =>
  gauges.set(`${name}{fixture="${fixture}",version="${version}"}`, value);

beforeAll(async () => {
  exporter = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [...gauges]
        .map(([k, v]) => `${k} ${v}`)
        .join('\n')
        .concat('\n'),
    );
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as { port: number }).port}`]);
}, 60_000);
afterAll(async () => {
  await prometheus?.close();
  await new Promise((r) => exporter?.close(r));
});

const template = (
  query: string,
  extra: Partial<MetricTemplateSpec> = {},
  address?: string,
): MetricTemplateSpec => ({
  provider: { type: 'prometheus', ...(address ? { address } : {}) },
  query,
  ...extra,
});
const at = (metric: string, spec: MetricTemplateSpec, extra: Partial<MetricQuery> = {}): MetricQuery => ({
  metric,
  route: 'shop',
  version: 'canary',
  windowMs: 60_000,
  now: new Date(),
  template: spec,
  ...extra,
});

let fixtures = 0;
metricProviderContract('prometheus', async () => {
  const id = `f${++fixtures}`;
  let address = prometheus.url;
  const provider = new PrometheusMetricProvider({ timeoutMs: 2_000 });
  const spec = () =>
    template(
      `sum(test_value{fixture="${id}",version="{{ version }}"})`,
      {
        samplesQuery: `sum(test_samples{fixture="${id}",version="{{ version }}"})`,
      },
      address,
    );
  const feed = async (value: number, samples: number) => {
    setGauge('test_value', id, 'canary', value);
    setGauge('test_samples', id, 'canary', samples);
    await prometheus.scraped();
  };
  return {
    provider,
    metrics: ['canary_value'],
    query: (metric) => at(metric, spec()),
    feedTooFew: () => feed(5, provider.minSamples - 1),
    async feedEnough() {
      await feed(12.5, 40);
      return { canary_value: 12.5 };
    },
    async breakBackend() {
      address = `http://127.0.0.1:${await freePort()}`;
    },
    close: async () => {},
  };
});

/** A loopback server answering every request with `answer` (or never, when null). */
async function fake(answer: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null) {
  const server = http.createServer((req, res) => answer?.(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

describe('prometheus provider: failures become inconclusive readings that say why', () => {
  const provider = new PrometheusMetricProvider({ timeoutMs: 300 });
  const read = (query: string, extra: Partial<MetricTemplateSpec> = {}, address = prometheus.url) =>
    provider.measure(at('m', template(query, extra, address)));
  const expectInconclusive = (m: unknown, reason: RegExp, providerFailed = false) => {
    const parsed = measurementSchema.parse(m);
    expect(parsed.value).toBeNull();
    expect(parsed.error).toMatch(reason);
    expect(parsed.providerFailed ?? false).toBe(providerFailed);
  };

  beforeAll(async () => {
    setGauge('test_value', 'a', 'faulty', 1);
    setGauge('test_value', 'b', 'faulty', 2);
    await prometheus.scraped();
  });

  it('down: nothing listens', async () => {
    expectInconclusive(
      await read('up', {}, `http://127.0.0.1:${await freePort()}`),
      /unreachable: ECONNREFUSED/,
      true,
    );
  });

  it('slow: no answer within the timeout', async () => {
    const silent = await fake(null);
    try {
      expectInconclusive(await read('up', {}, silent.url), /did not answer within 0\.3s \(timeout\)/, true);
    } finally {
      await silent.close();
    }
  });

  it('a 500 with Prometheus’ error body', async () => {
    const failing = await fake((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'internal', error: 'storage is broken' }));
    });
    try {
      expectInconclusive(
        await read('up', {}, failing.url),
        /answered 500 \(internal\): storage is broken/,
        true,
      );
    } finally {
      await failing.close();
    }
  });

  it('NaN: 0/0 when there were no requests', async () => {
    expectInconclusive(await read('sum(test_value{fixture="a"}) * 0 / 0'), /NaN/);
  });

  it('an empty vector: no series matched', async () => {
    expectInconclusive(await read('sum(no_such_series_total)'), /empty vector/);
  });

  it('several series where one was expected', async () => {
    expectInconclusive(await read('test_value{version="faulty"}'), /2 series where one was expected.*sum\(/);
  });

  it('a query Prometheus refuses, with its parse error', async () => {
    expectInconclusive(await read('sum(rate(x[5m])'), /refused|bad_data|parse error/);
    const verdict = await provider.validate(
      template('sum(rate(x[5m])', {}, prometheus.url),
      at('m', template('x')),
    );
    expect(verdict).toEqual({
      refused: expect.stringMatching(/Prometheus refused the query: .*parse error/),
    });
    expect(
      await provider.validate(template('sum(test_value)', {}, prometheus.url), at('m', template('x'))),
    ).toBeNull();
  });

  it('reads a scalar, a one-series vector, and a range query reduced to one value', async () => {
    expect(await read('scalar(sum(test_value{version="faulty"}))')).toEqual({
      metric: 'm',
      value: 3,
      sampleCount: 1,
    });
    expect(await read('sum(test_value{fixture="b"})')).toEqual({ metric: 'm', value: 2, sampleCount: 1 });
    const range = await provider.measure(
      at(
        'm',
        template('sum(test_value{fixture="b"})', { range: { step: '1s', reduce: 'max' } }, prometheus.url),
        {
          windowMs: 3_000,
        },
      ),
    );
    expect(range).toMatchObject({ metric: 'm', value: 2 });
    expect(range.sampleCount).toBeGreaterThan(0);
  });

  it('fills {{ variables }}, Flagger’s too, and sends basic or bearer credentials from the secretRef', async () => {
    const seen: { body: string; auth?: string }[] = [];
    const capture = await fake((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }));
      });
    });
    const secrets = {
      resolve: ({ secretRef }: { secretRef: string }) =>
        secretRef === 'PROM_BASIC' ? '{"username":"u","password":"p"}' : '{"token":"t0k"}',
    };
    const authed = new PrometheusMetricProvider({ secrets, defaultAddress: capture.url });
    try {
      const q =
        'x{svc="{{ service }}",t="{{ target }}",ns="{{ namespace }}",v="{{ version }}",st="{{ stage }}"}[{{ interval }}]';
      for (const name of ['prom-basic', 'prom-bearer']) {
        const spec: MetricTemplateSpec = { provider: { type: 'prometheus', secretRef: { name } }, query: q };
        expect(
          await authed.measure(
            at('m', spec, { service: 'web', namespace: 'prod', stage: 'canary_1', windowMs: 300_000 }),
          ),
        ).toMatchObject({ value: 1 });
      }
    } finally {
      await capture.close();
    }
    expect(new URLSearchParams(seen[0]?.body).get('query')).toBe(
      'x{svc="web",t="web",ns="prod",v="canary",st="canary_1"}[5m]',
    );
    expect(seen.map((s) => s.auth)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, 'Bearer t0k']);
  });
});

describe('MetricTemplate PromQL at apply, with the operator’s Prometheus reachable', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { config: { prometheusUrl: prometheus.url } });
  });
  afterAll(async () => t?.close());

  const apply = (query: string) =>
    t.request('POST', '/api/v1/apply', {
      body: {
        documents: [
          {
            kind: 'MetricTemplate',
            metadata: { name: 'q' },
            spec: { provider: { type: 'prometheus' }, query },
          },
        ],
      },
    });

  it('refuses bad PromQL with Prometheus’ parse error, on spec.query', async () => {
    const res = await apply('sum(rate(http_requests_total{service="{{ service }}"}[{{ interval }}])');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        path: 'documents[0].spec.query',
        message: expect.stringMatching(/^Prometheus refused the query: .*parse error/),
      },
    ]);
    expect((await t.request('GET', '/api/v1/metric-templates/q')).status).toBe(404);
  });

  it('takes PromQL that parses, without a warning', async () => {
    const res = await apply('sum(rate(http_requests_total{service="{{ service }}"}[{{ interval }}]))');
    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0].warnings ?? []).toEqual([]);
  });
});
