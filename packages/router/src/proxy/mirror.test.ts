import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';

let primary: Upstream;
let shadow: Upstream;
let router: Router;
let port: number;

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

beforeAll(async () => {
  primary = await startUpstream('v1');
  // The shadow fails every request: that must never reach the client.
  shadow = await startUpstream('v2', (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('shadow broke');
    return true;
  });
  router = await createRouter({ listen: { port: 0 } });
  port = router.status().listen?.port ?? 0;
  await router.applyConfig({
    version: 1,
    routes: [
      {
        name: 'api',
        versions: [
          { name: 'v1', url: primary.url },
          { name: 'v2', url: shadow.url },
        ],
        weights: { v1: 100, v2: 0 },
        mirror: { version: 'v2', percent: 50, maxBodyBytes: 64 },
      },
    ],
  });
});

afterAll(async () => {
  await router.close();
  await primary.close();
  await shadow.close();
});

describe('mirroring', () => {
  it('copies exactly the configured share, with the body, and discards the shadow answer', async () => {
    const replies = [];
    for (let i = 0; i < 20; i++) {
      replies.push(await request(port, `/orders/${i}`, { method: 'POST', body: `order-${i}` }));
    }
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.headers['sluice-version']).toBe('v1');
    }
    await vi.waitFor(() => expect(shadow.seen.length === 10).toBe(true), WAIT);
    expect(primary.seen).toHaveLength(20);
    for (const s of shadow.seen) {
      expect(s.headers['sluice-shadow']).toBe('1');
      expect(s.body).toBe(s.url.replace('/orders/', 'order-'));
    }
    await vi.waitFor(() => expect((router.metrics.mirrorTotals()[0]?.compared ?? 0) === 10).toBe(true), WAIT);
    const totals = router.metrics.mirrorTotals()[0];
    expect(totals).toMatchObject({
      route: 'api',
      primary: 'v1',
      shadow: 'v2',
      compared: 10,
      statusMismatches: 10,
    });
    // The shadow's own figures are recorded under its version (the analysis reads them).
    const w = router.metrics.window('api', 'v2', 60_000, Date.now());
    expect(w.requests).toBe(10);
    expect(w.errors).toBe(10);
    expect(router.metrics.window('api', 'v1', 60_000, Date.now()).errors).toBe(0);
  });

  it('mirrors bodiless requests too', async () => {
    shadow.seen.length = 0;
    for (let i = 0; i < 4; i++) expect((await request(port, `/get/${i}`)).status).toBe(200);
    await vi.waitFor(() => expect(shadow.seen.length === 2).toBe(true), WAIT);
    expect(shadow.seen.map((s) => [s.method, s.body])).toEqual([
      ['GET', ''],
      ['GET', ''],
    ]);
  });

  it('skips (and counts) a mirror whose body is larger than the limit', async () => {
    shadow.seen.length = 0;
    const skippedBefore = router.metrics.mirrorTotals()[0]?.skipped ?? 0;
    // Sampler is at a multiple of 100%: two requests make sure one is due a mirror.
    for (let i = 0; i < 2; i++) {
      const r = await request(port, '/big', { method: 'POST', body: 'x'.repeat(1000) });
      expect(r.status).toBe(200);
    }
    await vi.waitFor(
      () => expect((router.metrics.mirrorTotals()[0]?.skipped ?? 0) === skippedBefore + 1).toBe(true),
      WAIT,
    );
    expect(shadow.seen).toHaveLength(0);
  });
});
