/**
 * Issue 13 regressions on the API listener: deep input (L1), inherited names in the seed API
 * (L4), flag names on a public /metrics (L6), tokens in stream URLs and logs (L2), one token
 * holding every change stream (M3).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../flags/ofrep/test-support/sse.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { RequestLog } from './request-log.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const FLAG = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
};

describe('hostile input on the API listener', () => {
  let t: TestServer;
  let base: string;
  let sdk: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { config: { quotas: { streamsPerToken: 2 } } });
    base = await t.server.listen();
    expect(
      (await t.request('PUT', '/api/v1/flags/f1?environment=production', { body: { spec: FLAG } })).status,
    ).toBeLessThan(300);
    sdk = await t.token(['sdk:production'], 'web');
  });
  afterAll(async () => t?.close());

  it('refuses 10,000 levels of nesting with 400 on every JSON body (L1)', async () => {
    const deep = nested(10_000);
    const puts = await t.request('PUT', '/api/v1/flags/f1?environment=production', {
      rawBody: `{"spec":{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on","targeting":${deep}}}`,
    });
    expect(puts.status).toBe(400);
    expect(puts.body.code).toBe('VALIDATION_FAILED');
    const evaluate = await t.request('POST', '/api/v1/flags/f1/evaluate?environment=production', {
      rawBody: `{"context":{"a":${deep}}}`,
    });
    expect(evaluate.status).toBe(400);
    const seed = await t.request('POST', '/api/features/f2?environment=production', {
      rawBody: `{"enabled":true,"public":{"a":${deep}}}`,
    });
    expect(seed.status).toBe(400);
    const ofrep = await fetch(`${base}/ofrep/v1/evaluate/flags/f1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sdk}`, 'content-type': 'application/json' },
      body: `{"context":{"a":${deep}}}`,
    });
    expect(ofrep.status).toBe(400);
    // 64 levels are still fine
    const ok = await t.request('POST', '/api/v1/flags/f1/evaluate?environment=production', {
      rawBody: `{"context":{"a":${nested(60)}}}`,
    });
    expect(ok.status).toBe(200);
  });

  it('does not take inherited names for flags in the seed API (L4)', async () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      const res = await t.request('GET', `/api/features/${name}?environment=production`, { token: sdk });
      expect(res.status, name).toBe(404);
    }
    expect((await t.request('GET', '/api/features/f1?environment=production', { token: sdk })).status).toBe(
      200,
    );
  });

  it('leaves flag names off /metrics unless asked (L6)', async () => {
    await t.request('POST', '/ofrep/v1/evaluate/flags/f1', { body: { context: {} }, token: sdk });
    const metrics = await t.request('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('sluice_http_request_duration_seconds');
    expect(metrics.text).not.toContain('sluice_flag_evaluations_total');
    expect(metrics.text).not.toContain('f1');
  });

  it('announces a stream ticket, never the token, and refuses a token in the URL (L2)', async () => {
    const bulk = await t.request('POST', '/ofrep/v1/evaluate/flags', { body: { context: {} }, token: sdk });
    expect(bulk.text).not.toContain(sdk);
    const uri: string = bulk.body.eventStreams[0].endpoint.requestUri;
    expect(uri).toMatch(/[?&]ticket=sst_/);
    const byTicket = await openSse(`${base}${uri}`);
    expect(byTicket.status).toBe(200);
    byTicket.close();
    const byToken = await fetch(`${base}/ofrep/v1/events?environment=production&token=${sdk}`);
    expect(byToken.status).toBe(401);
    const forged = await fetch(`${base}${uri.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`);
    expect(forged.status).toBe(401);
    // a ticket from the API, for EventSource
    const minted = await t.request('POST', '/api/v1/stream-tickets', { token: sdk });
    expect(minted.status).toBe(201);
    expect(minted.body.environment).toBe('production');
    const elsewhere = await fetch(`${base}/ofrep/v1/events?environment=staging&ticket=${minted.body.ticket}`);
    expect(elsewhere.status).toBe(403);
    // revoking the token voids its tickets
    const id = (await t.request('GET', '/api/v1/whoami', { token: sdk })).body.tokenId;
    const other = await t.token(['sdk:production'], 'doomed');
    const doomed = (await t.request('POST', '/api/v1/stream-tickets', { token: other })).body.ticket;
    const doomedId = (await t.request('GET', '/api/v1/whoami', { token: other })).body.tokenId;
    expect(doomedId).not.toBe(id);
    await t.request('POST', `/api/v1/tokens/${doomedId}/revoke`);
    expect((await fetch(`${base}/ofrep/v1/events?ticket=${doomed}`)).status).toBe(401);
  });

  it('writes no secret into the request log (L2)', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = new RequestLog({ log: pino(sink), every: true });
    log.done({
      method: 'GET',
      url: `/ofrep/v1/events?environment=p&token=${sdk}`,
      status: 401,
      ms: 1,
      reqId: 'a',
    });
    log.done({
      method: 'GET',
      url: '/ofrep/v1/events?ticket=sst_secret&x=1',
      status: 200,
      ms: 1,
      reqId: 'b',
    });
    expect(lines.join('')).not.toContain(sdk);
    expect(lines.join('')).not.toContain('sst_secret');
    expect(lines.join('')).toContain('ticket=[redacted]&x=1');
  });

  it('caps the change streams of one token, not of the others (M3)', async () => {
    const hog = await t.token(['sdk:production'], 'hog');
    const url = `${base}/ofrep/v1/events`;
    const held = [
      await openSse(url, { authorization: `Bearer ${hog}` }),
      await openSse(url, { authorization: `Bearer ${hog}` }),
    ];
    expect(held.map((s) => s.status)).toEqual([200, 200]);
    const over = await fetch(url, { headers: { authorization: `Bearer ${hog}` } });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('30');
    const neighbour = await openSse(url, { authorization: `Bearer ${sdk}` });
    expect(neighbour.status).toBe(200);
    neighbour.close();
    held[0]?.close();
    await expect
      .poll(async () => {
        const again = await fetch(url, { headers: { authorization: `Bearer ${hog}` } });
        void again.body?.cancel();
        return again.status;
      })
      .toBe(200);
    held[1]?.close();
  });
});

describe('/metrics with SLUICE_METRICS_TOKEN and SLUICE_METRICS_FLAGS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      config: { metricsToken: 'metrics-secret-0123456789', metricsFlags: true },
    });
    await t.request('PUT', '/api/v1/flags/f1?environment=production', { body: { spec: FLAG } });
  });
  afterAll(async () => t?.close());

  it('answers only the metrics token, with per-flag series when asked for (L6)', async () => {
    expect((await t.request('GET', '/metrics', { token: null })).status).toBe(401);
    expect((await t.request('GET', '/metrics', { token: 'wrong-secret-0123456789abc' })).status).toBe(401);
    const sdk = await t.token(['sdk:production']);
    await t.request('POST', '/ofrep/v1/evaluate/flags/f1', { body: { context: {} }, token: sdk });
    const ok = await t.request('GET', '/metrics', { token: 'metrics-secret-0123456789' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('sluice_flag_evaluations_total{environment="production",flag="f1"');
  });
});
