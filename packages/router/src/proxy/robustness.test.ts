import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { rawExchange, request, startUpstream, type Upstream } from '../test-support/upstream.js';

let upstream: Upstream;
let router: Router;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream('v1');
  router = await createRouter({ listen: { port: 0 }, maxHeaderSize: 2048 });
  port = router.status().listen?.port ?? 0;
  await router.applyConfig({
    version: 1,
    routes: [
      {
        name: 'api',
        pathPrefix: '/api',
        versions: [{ name: 'v1', url: upstream.url }],
        weights: { v1: 100 },
        match: [{ kind: 'query', name: 'v', value: 'x', version: 'v1' }],
        sticky: {},
      },
    ],
  });
});

afterAll(async () => {
  await router.close();
  await upstream.close();
});

/** Request-shaped garbage: plausible pieces in random order, plus random bytes. */
const line = fc.oneof(
  fc.constantFrom(
    'Host: a',
    'Content-Length: 3',
    'Content-Length: -1',
    'Content-Length: 99999999999999999999',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: xchunked',
    'Connection: close',
    'Connection: keep-alive, Upgrade',
    'Upgrade: websocket',
    'Cookie: sluice_api=nope; =; a',
    'Expect: 100-continue',
    'X-Forwarded-For: ::1',
    ' folded',
    ':empty-name',
    'Bad Header',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const requestLine = fc.tuple(
  fc.constantFrom('GET', 'POST', 'DELETE', 'CONNECT', 'OPTIONS', 'G\u00e9T', ''),
  fc.constantFrom('/api', '/api/x?v=x', '*', 'http://a/api', '/%zz', '//', '/api/%2e%2e/', 'api', ''),
  fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', ''),
);
const message = fc
  .tuple(requestLine, fc.array(line, { maxLength: 6 }), fc.string({ maxLength: 20 }))
  .map(([[m, p, v], headers, body]) => `${m} ${p} ${v}\r\n${headers.join('\r\n')}\r\n\r\n${body}`);

describe('malformed input', () => {
  it('answers any request-shaped garbage with a valid status line or silence, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const out = await rawExchange(port, raw, 300);
        if (out !== '') expect(out).toMatch(/^HTTP\/1\.1 [1-5]\d\d /);
      }),
      { numRuns: 150 },
    );
    const healthy = await request(port, '/api/after');
    expect(healthy.status).toBe(200);
    expect(healthy.headers['sluice-version']).toBe('v1');
  });
});
