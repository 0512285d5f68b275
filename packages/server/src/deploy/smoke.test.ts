import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode } from './provider.case.js';
import { runSmokeTests } from './smoke.js';

let server: http.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/health')) return res.writeHead(200).end('ok');
    if (path.endsWith('/moved')) return res.writeHead(301, { location: '/health' }).end();
    if (path.endsWith('/slow')) return void setTimeout(() => res.writeHead(200).end(), 3000);
    if (path.endsWith('/create') && req.method === 'POST') return res.writeHead(201).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('runSmokeTests', () => {
  it('passes when every endpoint answers its expected status, with a result per test', async () => {
    const report = await runSmokeTests(base, [
      { endpoint: '/health', expected_status: 200 },
      { endpoint: '/create?x=1', expected_status: 201, method: 'POST' },
      { endpoint: '/missing', expected_status: 404 },
    ]);
    expect(report.passed).toBe(true);
    expect(report.results.map((r) => [r.endpoint, r.method, r.status, r.passed])).toEqual([
      ['/health', 'GET', 200, true],
      ['/create?x=1', 'POST', 201, true],
      ['/missing', 'GET', 404, true],
    ]);
    expect(seen).toContain('POST /create?x=1');
    for (const r of report.results) expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails on a wrong status, without following redirects, and says why', async () => {
    const report = await runSmokeTests(base, [
      { endpoint: '/moved', expected_status: 200 },
      { endpoint: '/health', expected_status: 200 },
    ]);
    expect(report.passed).toBe(false);
    expect(report.results[0]).toMatchObject({
      status: 301,
      passed: false,
      error: 'expected status 200, got 301',
    });
    expect(report.results[1]?.passed).toBe(true);
  });

  it('reports a timeout and a refused connection as failures with no status', async () => {
    const report = await runSmokeTests(base, [
      { endpoint: '/slow', expected_status: 200, timeout_seconds: 0.2 },
    ]);
    expect(report.results[0]).toMatchObject({ status: null, passed: false, error: 'no answer within 0.2 s' });
    const refused = await runSmokeTests('http://127.0.0.1:1', [
      { endpoint: '/health', expected_status: 200 },
    ]);
    expect(refused.passed).toBe(false);
    expect(refused.results[0]?.status).toBeNull();
    expect(refused.results[0]?.error).toMatch(/fetch failed|ECONNREFUSED/);
  });

  it('keeps the upstream path prefix and passes vacuously with no tests', async () => {
    const report = await runSmokeTests(`${base}/app`, [{ endpoint: '/health', expected_status: 200 }]);
    expect(report.passed).toBe(true);
    expect(seen).toContain('GET /app/health');
    expect(await runSmokeTests(base, [])).toEqual({ passed: true, results: [] });
  });

  it('uses the injected clock for latency', async () => {
    let t = 0;
    const report = await runSmokeTests(base, [{ endpoint: '/health', expected_status: 200 }], {
      now: () => (t += 7),
    });
    expect(report.results[0]?.latencyMs).toBe(7);
  });

  it('refuses malformed tests naming the field', async () => {
    await expectCode(
      runSmokeTests(base, [{ endpoint: 'health', expected_status: 200 }]),
      'VALIDATION_FAILED',
      'smokeTests[0].endpoint',
    );
    await expectCode(
      runSmokeTests(base, [{ endpoint: '/h', expected_status: 700 }]),
      'VALIDATION_FAILED',
      'smokeTests[0].expected_status',
    );
    await expectCode(runSmokeTests('not a url', []), 'VALIDATION_FAILED', 'upstream');
  });
});
