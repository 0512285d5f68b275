import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouterSnapshotInput } from '../config/index.js';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { refusedPort, request, startUpstream, type Upstream } from '../test-support/upstream.js';

let v1: Upstream;
let v2: Upstream;
let router: Router;
let port: number;
let version = 1;

type RouteInput = RouterSnapshotInput['routes'][number];

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

async function apply(route: Partial<RouteInput>): Promise<void> {
  version++;
  await router.applyConfig({
    version,
    routes: [
      {
        name: 'api',
        versions: [
          { name: 'v1', url: v1.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 50, v2: 50 },
        ...route,
      },
    ],
  });
}

beforeAll(async () => {
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
  router = await createRouter({ listen: { port: 0 } });
  port = router.status().listen?.port ?? 0;
});

afterAll(async () => {
  await router.close();
  await v1.close();
  await v2.close();
});

afterEach(() => {
  v1.seen.length = 0;
  v2.seen.length = 0;
});

describe('faults', () => {
  it('answers 502 problem+json when the upstream refuses connections, counted as an error', async () => {
    const dead = await refusedPort();
    await apply({
      versions: [
        { name: 'v1', url: `http://127.0.0.1:${dead}` },
        { name: 'v2', url: v2.url },
      ],
      weights: { v1: 100, v2: 0 },
    });
    const before = router.metrics.window('api', 'v1', 60_000, Date.now());
    const r = await request(port, '/');
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 502, code: 'ROUTER_UPSTREAM_UNAVAILABLE' });
    const after = router.metrics.window('api', 'v1', 60_000, Date.now());
    expect(after.errors - before.errors).toBe(1);
  });

  it('answers 504 when the upstream hangs past the response timeout', async () => {
    const hanging = await startUpstream('hang', () => true);
    try {
      await apply({
        versions: [
          { name: 'v1', url: hanging.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 100, v2: 0 },
        timeouts: { connectMs: 1_000, responseMs: 200 },
      });
      const r = await request(port, '/slow');
      expect(r.status).toBe(504);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'ROUTER_UPSTREAM_TIMEOUT' });
      expect(r.headers['sluice-version']).toBe('v1');
    } finally {
      await hanging.close();
    }
  });

  it('records a request the client abandoned as 499, not as an upstream error', async () => {
    const hanging = await startUpstream('hang', () => true);
    try {
      await apply({
        versions: [
          { name: 'v1', url: hanging.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 100, v2: 0 },
      });
      const before = router.metrics.window('api', 'v1', 60_000, Date.now());
      const req = http.request({ host: '127.0.0.1', port, path: '/wait', agent: false });
      req.on('error', () => {});
      req.end();
      await vi.waitFor(() => expect(hanging.seen.length === 1).toBe(true), WAIT);
      req.destroy();
      await vi.waitFor(
        () =>
          expect(router.metrics.window('api', 'v1', 60_000, Date.now()).requests > before.requests).toBe(
            true,
          ),
        WAIT,
      );
      expect(router.metrics.window('api', 'v1', 60_000, Date.now()).errors).toBe(before.errors);
      expect(router.metrics.totals().find((t) => t.route === 'api' && t.version === 'v1')?.errors).toBe(
        before.errors,
      );
      // The router gave up the upstream request too.
      await vi.waitFor(() => expect(hanging.openConnections() === 0).toBe(true), WAIT);
    } finally {
      await hanging.close();
    }
  });

  it('closes the client connection when the upstream cuts its response off, counted as an error', async () => {
    const cutting = await startUpstream('cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part of it');
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    });
    try {
      await apply({
        versions: [
          { name: 'v1', url: cutting.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 100, v2: 0 },
      });
      const before = router.metrics.window('api', 'v1', 60_000, Date.now()).errors;
      const outcome = await request(port, '/').then(
        (r) => `complete ${r.status}`,
        (e: NodeJS.ErrnoException) => `failed ${e.code ?? e.message}`,
      );
      // The client must not take a truncated body for a whole one.
      expect(outcome).toMatch(/^failed /);
      await vi.waitFor(
        () => expect(router.metrics.window('api', 'v1', 60_000, Date.now()).errors === before + 1).toBe(true),
        WAIT,
      );
    } finally {
      await cutting.close();
    }
  });

  it('relays upstream 5xx as is and counts them as errors', async () => {
    const failing = await startUpstream('fail', (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down');
      return true;
    });
    try {
      await apply({
        versions: [
          { name: 'v1', url: failing.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 100, v2: 0 },
      });
      const before = router.metrics.window('api', 'v1', 60_000, Date.now()).errors;
      const r = await request(port, '/');
      expect(r.status).toBe(503);
      expect(r.body).toBe('down');
      expect(router.metrics.window('api', 'v1', 60_000, Date.now()).errors - before).toBe(1);
    } finally {
      await failing.close();
    }
  });
});
