/**
 * The http provider against a JSON endpoint on loopback: the contract suite, then JSONPath
 * picking, a POST body, and each way an answer is unusable.
 */
import http from 'node:http';
import { measurementSchema } from '@sluice/core/analysis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/prometheus.js';
import type { MetricTemplateSpec } from '../templates/metric-template.schema.js';
import { HttpMetricProvider } from './http.provider.js';
import type { MetricQuery } from './metric-provider.js';
import { metricProviderContract } from './provider.case.js';

/** Answers: path → [status, body] (a function of the request's body for POSTs). */
const answers = new Map<string, [number, string]>();
const requests: { url: string; method: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
let api: http.Server;
let base = '';

beforeAll(async () => {
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ url: req.url ?? '', method: req.method ?? '', body, headers: req.headers });
      const path = (req.url ?? '').replace(/\?.*$/, '');
      if (path === '/slow') return; // never answers
      const [status, text] = answers.get(path) ?? [404, '{"error":"no such series"}'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
});
afterAll(async () => {
  api?.closeAllConnections();
  await new Promise((r) => api?.close(r));
});

const spec = (
  address: string,
  query: string,
  extra: Partial<MetricTemplateSpec> = {},
): MetricTemplateSpec => ({
  provider: { type: 'http', address },
  query,
  ...extra,
});
const at = (template: MetricTemplateSpec, extra: Partial<MetricQuery> = {}): MetricQuery => ({
  metric: 'm',
  route: 'shop',
  version: 'v2',
  windowMs: 60_000,
  now: new Date(0),
  template,
  ...extra,
});

let fixtures = 0;
metricProviderContract('http', async () => {
  const path = `/contract/${++fixtures}`;
  let address = `${base}${path}?service={{ service }}`;
  const provider = new HttpMetricProvider({ timeoutMs: 2_000 });
  answers.set(path, [200, JSON.stringify({ series: [] })]);
  const feed = (value: number, count: number) =>
    answers.set(path, [200, JSON.stringify({ series: [{ pointlist: [[0, value]], count }] })]);
  return {
    provider,
    metrics: ['api_value'],
    query: () =>
      at(spec(address, '$.series[0].pointlist[-1][1]', { samplesQuery: '$.series[0].count' }), {
        metric: 'api_value',
      }),
    feedTooFew: async () => {
      feed(3, provider.minSamples - 1);
    },
    async feedEnough() {
      feed(0.25, 50);
      return { api_value: 0.25 };
    },
    async breakBackend() {
      address = `http://127.0.0.1:${await freePort()}/x`;
    },
    close: async () => {},
  };
});

describe('http provider', () => {
  const provider = new HttpMetricProvider({ timeoutMs: 300, maxBytes: 10_000 });
  const inconclusive = (m: unknown, reason: RegExp) => {
    const parsed = measurementSchema.parse(m);
    expect(parsed.value).toBeNull();
    expect(parsed.error).toMatch(reason);
  };

  it('fills the URL’s variables percent-encoded, POSTs a body, and picks one number (strings of digits too)', async () => {
    answers.set('/q', [200, JSON.stringify({ data: { actor: { nrql: { results: [{ p99: '0.42' }] } } } })]);
    const m = await provider.measure(
      at(
        spec(`${base}/q?service={{ service }}&v={{ version }}`, '$.data.actor.nrql.results[0].p99', {
          body: '{"query": "SELECT percentile(duration, 99) FROM Transaction WHERE appName = \'{{ service }}\' SINCE {{ interval }} AGO"}',
        }),
        { service: 'web shop', version: 'v2&x' },
      ),
    );
    expect(m).toEqual({ metric: 'm', value: 0.42, sampleCount: 1 });
    const last = requests.at(-1);
    expect(last?.method).toBe('POST');
    expect(last?.url).toBe('/q?service=web%20shop&v=v2%26x');
    expect(JSON.parse(last?.body ?? '').query).toBe(
      "SELECT percentile(duration, 99) FROM Transaction WHERE appName = 'web shop' SINCE 1m AGO",
    );
  });

  it('says why when the answer has no single number', async () => {
    answers.set('/many', [200, JSON.stringify({ series: [{ v: 1 }, { v: 2 }] })]);
    answers.set('/text', [200, JSON.stringify({ series: [{ v: 'n/a' }] })]);
    answers.set('/big', [200, JSON.stringify({ pad: 'x'.repeat(20_000) })]);
    answers.set('/down', [503, 'maintenance']);
    inconclusive(
      await provider.measure(at(spec(`${base}/many`, '$.series[*].v'))),
      /matched 2 values where one/,
    );
    inconclusive(await provider.measure(at(spec(`${base}/many`, '$.series[5].v'))), /matched nothing/);
    inconclusive(
      await provider.measure(at(spec(`${base}/text`, '$.series[0].v'))),
      /found "n\/a", not a number/,
    );
    inconclusive(await provider.measure(at(spec(`${base}/big`, '$.pad'))), /larger than 10000 bytes/);
    inconclusive(await provider.measure(at(spec(`${base}/down`, '$.v'))), /answered 503: maintenance/);
    inconclusive(
      await provider.measure(at(spec(`${base}/slow`, '$.v'))),
      /did not answer within 0\.3s \(timeout\)/,
    );
  });

  it('sends headers from the secret', async () => {
    answers.set('/dd', [200, '{"v": 1}']);
    const withKeys = new HttpMetricProvider({
      secrets: { resolve: () => '{"headers": {"DD-API-KEY": "k1", "DD-APPLICATION-KEY": "k2"}}' },
    });
    const template: MetricTemplateSpec = {
      provider: { type: 'http', address: `${base}/dd`, secretRef: { name: 'datadog' } },
      query: '$.v',
    };
    expect(await withKeys.measure(at(template))).toMatchObject({ value: 1 });
    expect(requests.at(-1)?.headers).toMatchObject({ 'dd-api-key': 'k1', 'dd-application-key': 'k2' });
  });
});
