import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouterSnapshotInput } from '../config/index.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';
import { createRouter } from './router.js';
import type { Router } from './types.js';

let blue: Upstream;
let green: Upstream;
let router: Router;
let port: number;

/** Answers after a short pause (longer for /slow) so requests are in flight during swaps. */
function delayed(name: string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const ms = req.url?.startsWith('/slow') ? 300 : 2;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: name }));
    }, ms);
    return true;
  };
}

function config(version: number, weights: Record<string, number>): RouterSnapshotInput {
  const all = [
    { name: 'blue', url: blue.url },
    { name: 'green', url: green.url },
  ];
  return { version, routes: [{ name: 'app', versions: all.filter((v) => v.name in weights), weights }] };
}

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

beforeAll(async () => {
  blue = await startUpstream('blue', delayed('blue'));
  green = await startUpstream('green', delayed('green'));
  blue.server.keepAliveTimeout = 120_000;
  green.server.keepAliveTimeout = 120_000;
  // Long idle timeouts on both sides: only the router's drain can close blue's connection in
  // the time the test waits.
  router = await createRouter({ listen: { port: 0 }, upstreamIdleMs: 120_000 });
  port = router.status().listen?.port ?? 0;
});

afterAll(async () => {
  await router.close();
  await blue.close();
  await green.close();
});

describe('graceful weight changes', () => {
  it('fails no request while weights change and blue-green switches under load', async () => {
    await router.applyConfig(config(1, { blue: 100 }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes: { status: number; version: string | undefined; body: string }[] = [];
    let finished = false;
    const workers = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 75; i++) {
        const r = await request(port, `/w/${i}`, { agent }).catch((e: Error) => ({
          status: -1,
          headers: {} as http.IncomingHttpHeaders,
          body: e.message,
        }));
        outcomes.push({
          status: r.status,
          version: r.headers['sluice-version'] as string | undefined,
          body: r.body,
        });
      }
    });
    const plans: Record<string, number>[] = [
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
      { green: 100 },
      { blue: 100, green: 0 },
      { blue: 100 },
    ];
    const changer = (async () => {
      let v = 2;
      while (!finished) {
        for (const weights of plans) {
          await router.applyConfig(config(v++, weights));
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      await router.applyConfig(config(v, { green: 100 }));
    })();
    await Promise.all(workers);
    finished = true;
    await changer;
    agent.destroy();
    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(600);
    // Every answer came from the version the router said it went to.
    for (const o of outcomes) expect(JSON.parse(o.body).version).toBe(o.version);
    expect(new Set(outcomes.map((o) => o.version))).toEqual(new Set(['blue', 'green']));
    const after = await request(port, '/done');
    expect(after.headers['sluice-version']).toBe('green');
  });

  it('lets an in-flight request finish on the version that left, then closes its connections', async () => {
    await router.applyConfig(config(1_000, { blue: 100 }));
    const seenBefore = blue.seen.length;
    const slow = request(port, '/slow');
    await vi.waitFor(() => expect(blue.seen.length > seenBefore).toBe(true), WAIT);
    // Blue-green switch while the slow request is still at blue.
    await router.applyConfig(config(1_001, { green: 100 }));
    const r = await slow;
    expect(r.status).toBe(200);
    expect(r.headers['sluice-version']).toBe('blue');
    expect(JSON.parse(r.body).version).toBe('blue');
    // Its keep-alive connection was not returned to a pool: blue ends with no connection open.
    await vi.waitFor(() => expect(blue.openConnections() === 0).toBe(true), WAIT);
    expect((await request(port, '/next')).headers['sluice-version']).toBe('green');
  });
});
