import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouterSnapshotInput } from '../config/index.js';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';

let v1: Upstream;
let v2: Upstream;
let router: Router;
let port: number;
let version = 1;

type RouteInput = RouterSnapshotInput['routes'][number];

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

  it('forwards the one line of a repeated header node keeps one of, and repeated cookies as one line', async () => {
    await apply({ weights: { v1: 100, v2: 0 } });
    const r = await request(port, '/', {
      // as lines, node adds no Host of its own
      headers: [
        'Host',
        'localhost',
        'Authorization',
        'Bearer first',
        'Authorization',
        'Bearer second',
        'Cookie',
        'a=1',
        'Cookie',
        'b=2',
        'Accept',
        'text/html',
        'Accept',
        'application/json',
      ],
    });
    expect(r.status).toBe(200);
    const raw = v1.seen[0]?.rawHeaders ?? [];
    const lines = (name: string) => raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === name);
    // what the match rules read (req.headers) is what the service gets
    expect(lines('authorization')).toEqual(['Bearer first']);
    expect(lines('cookie')).toEqual(['a=1; b=2']);
    // other repeats go on line by line, as the client sent them
    expect(lines('accept')).toEqual(['text/html', 'application/json']);
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

  it('strips hop-by-hop response headers and keeps repeated ones, in order', async () => {
    const upstream = await startUpstream('raw', (_req, res) => {
      res.writeHead(200, [
        'Content-Type',
        'text/plain',
        'Connection',
        'keep-alive, X-Private',
        'X-Private',
        'hop',
        'Proxy-Authenticate',
        'Basic',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
      ]);
      res.end('ok');
      return true;
    });
    try {
      await apply({
        versions: [
          { name: 'v1', url: upstream.url },
          { name: 'v2', url: v2.url },
        ],
        weights: { v1: 100, v2: 0 },
      });
      const r = await request(port, '/');
      expect(r.status).toBe(200);
      expect(r.body).toBe('ok');
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.headers['x-private']).toBeUndefined();
      expect(r.headers['proxy-authenticate']).toBeUndefined();
      expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(r.headers['sluice-version']).toBe('v1');
    } finally {
      await upstream.close();
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
