import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

async function until(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
}

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

describe('weighted routing', () => {
  it('splits 100 requests exactly 90/10 and names the version in Sluice-Version', async () => {
    await apply({ weights: { v1: 90, v2: 10 } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const replies = await Promise.all(Array.from({ length: 100 }, () => request(port, '/x', { agent })));
    agent.destroy();
    const counts = { v1: 0, v2: 0 };
    for (const r of replies) {
      expect(r.status).toBe(200);
      const answered = JSON.parse(r.body).version as 'v1' | 'v2';
      expect(r.headers['sluice-version']).toBe(answered);
      counts[answered]++;
    }
    expect(counts).toEqual({ v1: 90, v2: 10 });
    const w = router.metrics.window('api', 'v2', 60_000, Date.now());
    expect(w.requests).toBe(10);
    expect(w.errors).toBe(0);
  });

  it('answers 404 problem+json when no route matches', async () => {
    await apply({ host: 'api.example.com' });
    const r = await request(port, '/x', { headers: { host: 'other.example.com' } });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 404, code: 'ROUTER_NO_ROUTE' });
  });
});

describe('forwarding', () => {
  it('forwards method, path, body and X-Forwarded headers; strips hop-by-hop headers', async () => {
    await apply({ weights: { v1: 100, v2: 0 }, pathPrefix: '/api', stripPrefix: true });
    const r = await request(port, '/api/orders?id=7', {
      method: 'POST',
      headers: {
        host: 'shop.example.com',
        'content-type': 'text/plain',
        'x-forwarded-for': '10.0.0.1',
        // Not trusted by default: the router states the scheme it was reached by.
        'x-forwarded-proto': 'https',
        expect: '100-continue',
        connection: 'keep-alive, x-secret',
        'x-secret': 'hop',
      },
      body: 'hello',
    });
    expect(r.status).toBe(200);
    const seen = v1.seen[0];
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/orders?id=7');
    expect(seen?.body).toBe('hello');
    expect(seen?.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe('shop.example.com');
    expect(seen?.headers.host).toBe(`127.0.0.1:${v1.port}`);
    expect(seen?.headers['x-secret']).toBeUndefined();
    expect(seen?.headers.expect).toBeUndefined();
  });

  it('keeps X-Forwarded-Proto/Host from a trusted proxy in front', async () => {
    const trusting = await createRouter({ listen: { port: 0 }, trustForwardedHeaders: true });
    try {
      await trusting.applyConfig({
        version: 1,
        routes: [{ name: 'api', versions: [{ name: 'v1', url: v1.url }], weights: { v1: 100 } }],
      });
      await request(trusting.status().listen?.port ?? 0, '/', {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example.com' },
      });
      expect(v1.seen[0]?.headers['x-forwarded-proto']).toBe('https');
      expect(v1.seen[0]?.headers['x-forwarded-host']).toBe('shop.example.com');
    } finally {
      await trusting.close();
    }
  });

  it('keeps the client Host header when preserveHost is set, and prefixes the upstream base path', async () => {
    await apply({
      versions: [
        { name: 'v1', url: `${v1.url}/base/` },
        { name: 'v2', url: v2.url },
      ],
      weights: { v1: 100, v2: 0 },
      preserveHost: true,
    });
    await request(port, '/a/b', { headers: { host: 'shop.example.com' } });
    expect(v1.seen[0]?.headers.host).toBe('shop.example.com');
    expect(v1.seen[0]?.url).toBe('/base/a/b');
  });
});

describe('match rules and sticky sessions', () => {
  it('pins by header, cookie and query parameter before weights apply', async () => {
    await apply({
      weights: { v1: 100, v2: 0 },
      match: [
        { kind: 'header', name: 'X-Canary', value: 'always', version: 'v2' },
        { kind: 'cookie', name: 'tester', value: 'yes', version: 'v2' },
        { kind: 'query', name: 'version', value: 'next', version: 'v2' },
      ],
    });
    const byHeader = await request(port, '/', { headers: { 'x-canary': 'always' } });
    const byCookie = await request(port, '/', { headers: { cookie: 'a=b; tester=yes' } });
    const byQuery = await request(port, '/p?x=1&version=next');
    const none = await request(port, '/', { headers: { 'x-canary': 'never' } });
    expect([byHeader, byCookie, byQuery, none].map((r) => r.headers['sluice-version'])).toEqual([
      'v2',
      'v2',
      'v2',
      'v1',
    ]);
  });

  it('keeps a user on the version they first got until it leaves the route', async () => {
    await apply({ weights: { v1: 50, v2: 50 }, sticky: { cookie: 'route_api' } });
    const first = await request(port, '/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    const got = first.headers['sluice-version'];
    expect(setCookie).toMatch(
      new RegExp(`^route_api=${got}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax$`),
    );
    const cookie = setCookie.split(';')[0] ?? '';
    for (let i = 0; i < 6; i++) {
      const again = await request(port, '/', { headers: { cookie } });
      expect(again.headers['sluice-version']).toBe(got);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    // Its version loses all weight: the user moves, and gets a new cookie.
    const other = got === 'v1' ? 'v2' : 'v1';
    await apply({ weights: { [other]: 100, [got as string]: 0 }, sticky: { cookie: 'route_api' } });
    const moved = await request(port, '/', { headers: { cookie } });
    expect(moved.headers['sluice-version']).toBe(other);
    expect(moved.headers['set-cookie']?.[0]).toContain(`route_api=${other}`);
  });
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
      expect(await until(() => hanging.seen.length === 1)).toBe(true);
      req.destroy();
      expect(
        await until(() => router.metrics.window('api', 'v1', 60_000, Date.now()).requests > before.requests),
      ).toBe(true);
      expect(router.metrics.window('api', 'v1', 60_000, Date.now()).errors).toBe(before.errors);
      expect(router.metrics.totals().find((t) => t.route === 'api' && t.version === 'v1')?.errors).toBe(
        before.errors,
      );
      // The router gave up the upstream request too.
      expect(await until(() => hanging.openConnections() === 0)).toBe(true);
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
      expect(
        await until(() => router.metrics.window('api', 'v1', 60_000, Date.now()).errors === before + 1),
      ).toBe(true);
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
