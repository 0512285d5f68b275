/** `GET /api/v1/metrics/query` on both databases: validation, scopes, the events path, OpenAPI. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

describe.each(DIALECTS)('metrics query API on %s', (dialect) => {
  let t: TestServer;
  const query = (params: Record<string, string>, token?: string) =>
    t.request('GET', `/api/v1/metrics/query?${new URLSearchParams(params)}`, token ? { token } : {});

  beforeAll(async () => {
    t = await startTestServer(dialect);
    const time = new Date(Date.now() - 5_000).toISOString();
    const events = [];
    for (let i = 0; i < 100; i++) {
      events.push({ id: randomUUID(), user: `u${i}`, version: 'v2', name: 'page_view', time });
      if (i < 30) events.push({ id: randomUUID(), user: `u${i}`, version: 'v2', name: 'bounce', time });
    }
    const res = await t.request('POST', '/api/v1/events?environment=production', { body: { events } });
    expect(res.body.stored).toBe(130);
  });
  afterAll(async () => t?.close());

  it('answers with the measurement a gate would get, and what was asked', async () => {
    const res = await query({
      metric: 'bounce_rate',
      version: 'v2',
      environment: 'production',
      window: '1m',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      measurement: { metric: 'bounce_rate', value: 30, sampleCount: 100 },
      provider: 'events',
      version: 'v2',
      environment: 'production',
      windowMs: 60_000,
    });
    const elsewhere = await query({ metric: 'bounce_rate', version: 'v2' });
    expect(elsewhere.body.measurement).toMatchObject({
      value: null,
      sampleCount: 0,
      error: expect.any(String),
    });
  });

  it('accepts a window in milliseconds and refuses a bad one by its path', async () => {
    const ms = await query({
      metric: 'bounce_rate',
      version: 'v2',
      environment: 'production',
      window: '90000',
    });
    expect(ms.body.windowMs).toBe(90_000);
    for (const window of ['soon', '0', '-5m']) {
      const bad = await query({ metric: 'bounce_rate', version: 'v2', window });
      expect(bad.status, window).toBe(400);
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.window']);
    }
    const missing = await query({ metric: 'bounce_rate' });
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.version']);
  });

  it('reports the builtin provider without a router as inconclusive, not as an error status', async () => {
    const res = await query({ metric: 'error_rate', route: 'shop', version: 'v2' });
    expect(res.status).toBe(200);
    expect(res.body.measurement).toMatchObject({ value: null, error: expect.stringMatching(/no router/) });
  });

  it('needs read in the environment asked about', async () => {
    const dev = await t.token(['read:development']);
    expect(
      (await query({ metric: 'bounce_rate', version: 'v2', environment: 'production' }, dev)).status,
    ).toBe(403);
    expect(
      (await query({ metric: 'bounce_rate', version: 'v2', environment: 'development' }, dev)).status,
    ).toBe(200);
  });

  it('lists the metrics and their providers', async () => {
    const res = await t.request('GET', '/api/v1/metrics/names');
    // the built-in templates (a plan may name MetricTemplates besides)
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { metric: 'bounce_rate', provider: 'events' },
        { metric: 'conversion_rate_drop', provider: 'events' },
        { metric: 'error_rate', provider: 'builtin' },
        { metric: 'latency_p95', provider: 'builtin' },
        { metric: 'request-duration', provider: 'builtin' },
        { metric: 'status_mismatch_rate', provider: 'builtin' },
      ]),
    );
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body;
    const get = doc.paths['/api/v1/metrics/query'].get;
    expect(get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['metric', 'route', 'version', 'baseline', 'window', 'environment']),
    );
    expect(doc.paths['/api/v1/events'].post['x-sluice-scope']).toBe('sdk');
  });
});
