import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { routerTrafficSummary } from '../routing/traffic-summary.js';
import { RequestLog } from './request-log.js';

function recorder() {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (a: unknown, b?: unknown): void => {
      lines.push({ level, msg: typeof a === 'string' ? a : String(b) });
    };
  const log = { info: at('info'), error: at('error') } as unknown as FastifyBaseLogger;
  return { lines, log };
}

const req = (url: string, status = 200, method = 'GET') => ({ method, url, status, ms: 2.4, reqId: 'r1' });

describe('request log', () => {
  it('writes one line per API request, and sums up evaluations and probes', () => {
    const { lines, log } = recorder();
    const requests = new RequestLog({ log, every: false });
    requests.done(req('/api/v1/environments'));
    for (let i = 0; i < 5; i++) requests.done(req('/ofrep/v1/evaluate/flags/a', 200, 'POST'));
    requests.done(req('/ofrep/v1/evaluate/flags/nope', 404, 'POST'));
    requests.done(req('/api/features/x'));
    requests.done(req('/readyz'));
    expect(lines).toEqual([{ level: 'info', msg: 'GET /api/v1/environments 200 2ms' }]);
    requests.flush();
    expect(lines[1]?.msg).toMatch(
      /^requests in the last \d+s: ofrep 6 \(200×5 404×1\); feature-api 1 \(200×1\); probes 1 \(200×1\)$/,
    );
    requests.flush();
    expect(lines).toHaveLength(2); // nothing new, nothing said
  });

  it('counts a busy request without a record (the OFREP shortcut), unless it must be logged', () => {
    const { lines, log } = recorder();
    const requests = new RequestLog({ log, every: false });
    expect(requests.counted('ofrep', 200)).toBe(true);
    expect(requests.counted('ofrep', 404)).toBe(true);
    expect(requests.counted('ofrep', 503)).toBe(false); // a server error goes through done, one line
    expect(lines).toEqual([]);
    requests.flush();
    expect(lines[0]?.msg).toMatch(/: ofrep 2 \(200×1 404×1\)$/);
    expect(new RequestLog({ log, every: true }).counted('ofrep', 200)).toBe(false);
  });

  it('logs a server error of a busy route at once, and every request when asked', () => {
    const { lines, log } = recorder();
    new RequestLog({ log, every: false }).done(req('/ofrep/v1/evaluate/flags/a', 500, 'POST'));
    expect(lines).toEqual([{ level: 'error', msg: 'POST /ofrep/v1/evaluate/flags/a 500 2ms' }]);
    const all = recorder();
    const every = new RequestLog({ log: all.log, every: true });
    every.done(req('/ofrep/v1/evaluate/flags/a', 200, 'POST'));
    every.done(req('/healthz'));
    expect(all.lines.map((l) => l.msg)).toEqual([
      'POST /ofrep/v1/evaluate/flags/a 200 2ms',
      'GET /healthz 200 2ms',
    ]);
  });

  it("adds the router's traffic since the last summary, per route and version", () => {
    const { lines, log } = recorder();
    const totals = [
      { route: 'web', version: '1.0.0', requests: 100, errors: 0 },
      { route: 'web', version: '2.0.0', requests: 10, errors: 4 },
    ];
    const router = { metrics: { totals: () => totals } } as never;
    const requests = new RequestLog({ log, every: false });
    requests.addSource('router', routerTrafficSummary(router));
    requests.flush();
    expect(lines[0]?.msg).toMatch(/router 110: web 1\.0\.0 100, 2\.0\.0 10 \(4 errors\)$/);
    totals[0]!.requests = 150;
    requests.flush();
    expect(lines[1]?.msg).toMatch(/router 50: web 1\.0\.0 50$/);
    requests.flush();
    expect(lines).toHaveLength(2);
  });
});
