import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouterSnapshotInput } from '../config/index.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';
import { createRouter } from './router.js';
import type { Router } from './types.js';

let v1: Upstream;
let v2: Upstream;

function snapshot(version: number, weights: Record<string, number>): RouterSnapshotInput {
  return {
    version,
    routes: [
      {
        name: 'api',
        versions: [
          { name: 'v1', url: v1.url },
          { name: 'v2', url: v2.url },
        ],
        weights,
      },
    ],
  };
}

/** Workers send their outcomes in batches: wait until the primary has counted `n` requests. */
async function counted(router: Router, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const total = router.metrics.counts().reduce((sum, c) => sum + c.requests, 0);
    if (total >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `n` requests, each on its own connection (the primary hands connections out in turn). */
async function send(port: number, n: number): Promise<string[]> {
  const versions: string[] = [];
  for (let i = 0; i < n; i++) {
    const reply = await request(port, `/item/${i}`);
    expect(reply.status).toBe(200);
    versions.push(String(reply.headers['sluice-version']));
  }
  return versions;
}

beforeAll(async () => {
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
});

afterAll(async () => {
  await v1.close();
  await v2.close();
});

describe('a router with two workers', () => {
  it('proxies through both, reaches both with a weight change, and counts every request once', async () => {
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    try {
      const port = router.status().listen?.port ?? 0;
      const pids = router.status().workers?.map((w) => w.pid) ?? [];
      expect(pids).toHaveLength(2);
      expect(new Set([...pids, process.pid]).size).toBe(3);

      await router.applyConfig(snapshot(1, { v1: 100, v2: 0 }));
      expect(new Set(await send(port, 20))).toEqual(new Set(['v1']));
      await counted(router, 20);
      const first = router.status().workers ?? [];
      // each worker got connections and served requests
      for (const w of first) {
        expect(w.connections).toBe(10);
        expect(w.requests).toBe(10);
      }

      // applyConfig returns once every worker has the new table
      await router.applyConfig(snapshot(2, { v1: 0, v2: 100 }));
      expect(new Set(await send(port, 20))).toEqual(new Set(['v2']));
      await counted(router, 40);
      for (const w of router.status().workers ?? []) expect(w.requests).toBe(20);

      // the primary's figures are the sum of both workers'
      const at = Date.now();
      expect(router.metrics.window('api', 'v1', 60_000, at).requests).toBe(20);
      expect(router.metrics.window('api', 'v2', 60_000, at).requests).toBe(20);
      const counts = Object.fromEntries(router.metrics.counts().map((c) => [c.version, c.requests]));
      expect(counts).toEqual({ v1: 20, v2: 20 });
      expect(await router.prometheus()).toContain(
        'sluice_router_requests_total{route="api",version="v2"} 20',
      );
    } finally {
      await router.close();
    }
  });

  it('feeds every worker a 90:10 split, exact over each 100 requests of a worker', async () => {
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    try {
      const port = router.status().listen?.port ?? 0;
      await router.applyConfig(snapshot(1, { v1: 90, v2: 10 }));
      const served = await send(port, 200);
      expect(served.filter((v) => v === 'v2')).toHaveLength(20);
      await counted(router, 200);
      const counts = Object.fromEntries(router.metrics.counts().map((c) => [c.version, c.requests]));
      expect(counts).toEqual({ v1: 180, v2: 20 });
    } finally {
      await router.close();
    }
  });

  it("sheds a version the primary's health checks find down, in every worker", async () => {
    const sick = await startUpstream('sick', (req, res) => {
      if (!req.url?.startsWith('/healthz')) return false;
      res.writeHead(503).end();
      return true;
    });
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    try {
      await router.applyConfig({
        version: 1,
        routes: [
          {
            name: 'api',
            versions: [
              { name: 'v1', url: v1.url },
              { name: 'sick', url: sick.url },
            ],
            weights: { v1: 50, sick: 50 },
            healthCheck: { path: '/healthz', intervalMs: 100, unhealthyThreshold: 1 },
          },
        ],
      });
      await vi.waitFor(
        () => expect(router.status().health.find((h) => h.version === 'sick')?.healthy).toBe(false),
        {
          timeout: 10_000,
          interval: 20,
        },
      );
      // 20 connections, so 10 to each worker: none goes to the shed version
      expect(new Set(await send(router.status().listen?.port ?? 0, 20))).toEqual(new Set(['v1']));
    } finally {
      await router.close();
      await sick.close();
    }
  });

  it('replaces a worker that died, and keeps serving', async () => {
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    try {
      await router.applyConfig(snapshot(1, { v1: 0, v2: 100 }));
      const [first, second] = router.status().workers?.map((w) => w.pid) ?? [];
      process.kill(first as number, 'SIGKILL');
      await vi.waitFor(
        () => {
          const pids = router.status().workers?.map((w) => w.pid) ?? [];
          expect(pids).toHaveLength(2);
          expect(pids).not.toContain(first);
          expect(pids).toContain(second);
        },
        { timeout: 20_000, interval: 50 },
      );
      // the new worker got the configuration in force when it started
      expect(new Set(await send(router.status().listen?.port ?? 0, 10))).toEqual(new Set(['v2']));
    } finally {
      await router.close();
    }
  });

  it('lets a request in flight finish when it closes', async () => {
    const slow = await startUpstream('slow', (_req, res) => {
      setTimeout(() => res.end('late'), 300);
      return true;
    });
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    try {
      await router.applyConfig({
        version: 1,
        routes: [{ name: 'api', versions: [{ name: 'slow', url: slow.url }], weights: { slow: 100 } }],
      });
      const inFlight = request(router.status().listen?.port ?? 0, '/');
      await vi.waitFor(() => expect(slow.seen).toHaveLength(1), { timeout: 10_000, interval: 10 });
      await router.close();
      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('late');
    } finally {
      await slow.close();
    }
  });

  it('stops its workers on close', async () => {
    const router = await createRouter({ listen: { port: 0 }, workers: 2 });
    const pids = router.status().workers?.map((w) => w.pid) ?? [];
    await router.close();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it.each([0, 65, 1.5, Number.NaN])('refuses workers = %s, naming the field', async (workers) => {
    await expect(createRouter({ listen: { port: 0 }, workers })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'workers' }],
    });
  });
});
