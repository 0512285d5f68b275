/**
 * The seeded fuzz suite of issue 13: every listener — the API (GETs and writes), OFREP, the seed
 * feature API, the embedded router and its admin port — gets generated requests aimed at
 * resources that exist (a flag, a route, environments, tokens of every kind) as well as names
 * that do not. Nothing may end the process (an uncaught error fails the run), no answer is a 500,
 * and 502/503/504 come only from the router, about its upstreams (RFC 9110 §15.6). The seed is
 * printed; `SLUICE_FUZZ_SEED=<n>` replays a run, `SLUICE_FUZZ_RUNS=<factor>` scales it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  fuzzRuns,
  fuzzSeed,
  hostileJson,
  queryString,
  rawRequest,
  segment,
  sendRaw,
} from '../test-support/fuzz.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const seed = fuzzSeed('listeners');
const ENVIRONMENTS = ['production', 'development', 'staging'];
const NAMES = ['f1', 'web', 'production', 'development', 'seg1', 'missing'];
const FLAG = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'on', 'off'] },
};

let t: TestServer;
let api: string;
let routerPort: number;
let adminPort: number;
let upstream: http.Server;
const tokens: Record<string, string | null> = { none: null, garbage: 'slc_000000000000_nope' };

/** The status of a request over a real socket; SSE bodies are dropped once the headers came. */
async function send(method: string, url: string, token: string | null, body?: unknown, raw?: string) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (raw !== undefined || body !== undefined) {
    payload = raw ?? JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    ...(payload !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: payload } : {}),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => ({ status: -1, error }) as const);
  if (!('headers' in res)) return { status: res.status, text: String(res.error) };
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, text: '' };
  }
  return { status: res.status, text: (await res.text()).slice(0, 300) };
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  t = await startTestServer('sqlite', { embeddedRouter: true });
  api = await t.server.listen();
  for (const env of ENVIRONMENTS)
    await t.request('PUT', `/api/v1/flags/f1?environment=${env}`, { body: { spec: FLAG } });
  const route = await t.request('PUT', '/api/v1/routes/web?environment=production', {
    body: { spec: { pathPrefix: '/', versions: [{ name: 'v1', url: upstreamUrl }], weights: { v1: 100 } } },
  });
  expect(route.status, route.text).toBeLessThan(300);
  tokens.admin = 'test-admin-token-0123456789';
  tokens.read = await t.token(['read']);
  tokens.write = await t.token(['write:production']);
  tokens.sdk = await t.token(['sdk:production']);
  tokens.router = await t.token(['router']);
  const router = t.server.router;
  if (!router) throw new Error('the embedded router is off');
  await vi.waitFor(() => expect(router.status().routes.length).toBe(1), { timeout: 10_000 });
  routerPort = router.status().listen?.port ?? 0;
  adminPort = router.status().admin?.port ?? 0;
});

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

const token = fc.constantFrom('none', 'garbage', 'admin', 'read', 'write', 'sdk', 'router');

/** Every listener still answers its health probe. */
async function allAlive() {
  expect((await send('GET', `${api}/healthz`, null)).status).toBe(200);
  expect(await sendRaw(adminPort, 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toBe(200);
  expect(await sendRaw(routerPort, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toBe(200);
}

describe(`every listener under generated input (seed ${seed})`, () => {
  it('the API: every route, GETs included, on resources that exist', async () => {
    const routes = t.server.app.routes.filter((r) => !r.url.includes('/tokens/:id/revoke'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment(NAMES), { minLength: 4, maxLength: 4 }),
        queryString(ENVIRONMENTS),
        fc.option(hostileJson, { nil: undefined }),
        token,
        async (route, names, query, body, who) => {
          let i = 0;
          const path = route.url.replace(/:[A-Za-z]+/g, () => names[i++] ?? 'x');
          const res = await send(route.method, `${api}${path}${query}`, tokens[who] ?? null, body);
          expect(res.status, `${route.method} ${path}${query} as ${who} → ${res.text}`).toBeGreaterThan(0);
          expect(res.status, `${route.method} ${path}${query} as ${who} → ${res.text}`).toBeLessThan(500);
        },
      ),
      { seed, numRuns: fuzzRuns(400) },
    );
    await allAlive();
  });

  it('OFREP and the seed feature API', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'POST /ofrep/v1/evaluate/flags/:key',
          'POST /ofrep/v1/evaluate/flags',
          'GET /ofrep/v1/events',
          'GET /api/features/:key',
          'POST /api/features/:key',
          'OPTIONS /ofrep/v1/evaluate/flags',
        ),
        segment(['f1', 'toString', 'missing']),
        queryString(ENVIRONMENTS),
        fc.oneof(
          hostileJson.map((context) => ({ context })),
          hostileJson,
          fc.constant(undefined),
        ),
        token,
        async (endpoint, key, query, body, who) => {
          const [method = 'GET', template = '/'] = endpoint.split(' ');
          const path = template.replace(':key', key);
          const res = await send(method, `${api}${path}${query}`, tokens[who] ?? null, body);
          expect(res.status, `${endpoint} ${path}${query} as ${who} → ${res.text}`).toBeGreaterThan(0);
          expect(res.status, `${endpoint} ${path}${query} as ${who} → ${res.text}`).toBeLessThan(500);
        },
      ),
      { seed, numRuns: fuzzRuns(400) },
    );
    await allAlive();
  });

  it('the router and its admin port, byte by byte', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, fc.boolean(), async (bytes, admin) => {
        const status = await sendRaw(admin ? adminPort : routerPort, bytes);
        const what = `${admin ? 'admin' : 'router'} ${JSON.stringify(bytes.slice(0, 200))} → ${status}`;
        expect(status, what).not.toBe(500);
        // the admin port has no upstream: no gateway answers there; the router's only about its upstream
        if (admin) expect(status, what).toBeLessThan(500);
        else if (status >= 500) expect([502, 503, 504], what).toContain(status);
      }),
      { seed, numRuns: fuzzRuns(300) },
    );
    await allAlive();
  });
});
