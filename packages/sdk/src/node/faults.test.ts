/**
 * Faults from a misbehaving server (a real listener scripted per connection): garbage, an older
 * version after a newer one, a stream cut mid-event, 5xx, a server that never answers. Each keeps
 * the last good values serving and says what happened through status and events.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SluiceClient } from './client.js';

function payload(version: number, value: string) {
  return JSON.stringify({
    environment: 'development',
    version,
    digest: `d${version}-${value}`,
    builtAt: new Date(0).toISOString(),
    flags: { greeting: { state: 'ENABLED', variants: { v: value }, defaultVariant: 'v' } },
    segments: {},
    killed: [],
    emergency: false,
  });
}
const frame = (data: string) => `event: flag-set\ndata: ${data}\n\n`;

/** A server whose n-th connection (0-based) is handled by `script(n, res)`. */
async function scripted(script: (n: number, res: ServerResponse) => void) {
  let n = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer good') {
      res
        .writeHead(401, { 'content-type': 'application/problem+json' })
        .end('{"detail":"the token is unknown"}');
      return;
    }
    if (req.url?.startsWith('/api/v1/sdk/flag-set')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(payload(9, 'refetched'));
      return;
    }
    script(n++, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    connections: () => n,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});
function client(url: string, token = 'good') {
  // these scripted servers answer the sync routes only (impressions have their own tests)
  const c = new SluiceClient({ url, token, backoff: { initialMs: 10, maxMs: 50 }, impressions: false });
  open.push(c);
  return c;
}

describe('SluiceClient under server faults', () => {
  it('keeps the last good set when the server sends garbage, and reports error', async () => {
    const s = await scripted((n, res) => {
      sse(res);
      res.write(frame(payload(1, 'hello')));
      if (n === 0) res.write(frame('{"flags": not json'));
      else res.write(frame(JSON.stringify({ version: 'x' })));
    });
    open.push(s);
    const c = client(s.url);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    expect(errors[0]).toMatch(/not JSON/);
    expect(errors[1]).toMatch(/not valid: environment/);
    expect(c.value('greeting', 'none')).toBe('hello');
    expect(['error', 'ready']).toContain(c.status());
  });

  it('ignores an older version after a newer one', async () => {
    const s = await scripted((_n, res) => {
      sse(res);
      res.write(frame(payload(5, 'five')));
      res.write(frame(payload(3, 'three')));
      res.write(': after\n\n');
    });
    open.push(s);
    const c = client(s.url);
    await c.waitForReady({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.value('greeting', 'none')).toBe('five');
    expect(c.version()).toBe(5);
  });

  it('drops an event cut in the middle, reconnects and takes the next full set', async () => {
    const s = await scripted((n, res) => {
      sse(res);
      if (n === 0) {
        res.write(frame(payload(1, 'one')));
        res.write(`event: flag-set\ndata: ${payload(2, 'two').slice(0, 40)}`);
        setTimeout(() => res.destroy(), 20);
      } else res.write(frame(payload(3, 'three')));
    });
    open.push(s);
    const c = client(s.url);
    const seen: string[] = [];
    c.on('change', () => seen.push(c.value('greeting', 'none')));
    c.on('stale', () => seen.push('stale'));
    await vi.waitFor(() => expect(c.value('greeting', 'none')).toBe('three'));
    expect(seen).toEqual(['stale', 'three']);
    expect(s.connections()).toBeGreaterThanOrEqual(2);
  });

  it('applies a delta from the version held, and refetches the whole set after a gap', async () => {
    const delta = (base: number, version: number, value: string) =>
      `event: flag-set-delta\ndata: ${JSON.stringify({
        environment: 'development',
        version,
        digest: `d${version}-${value}`,
        base,
        builtAt: '',
        changed: { greeting: { state: 'ENABLED', variants: { v: value }, defaultVariant: 'v' } },
        removed: [],
        killed: [],
        emergency: false,
      })}\n\n`;
    let send: (frame: string) => void = () => {};
    const s = await scripted((_n, res) => {
      sse(res);
      res.write(frame(payload(1, 'one')));
      send = (f) => res.write(f);
    });
    open.push(s);
    const c = client(s.url);
    await c.waitForReady({ timeoutMs: 5000 });
    send(delta(1, 2, 'two'));
    await vi.waitFor(() => expect(c.value('greeting', 'none')).toBe('two'));
    send(delta(5, 6, 'six'));
    await vi.waitFor(() => expect(c.value('greeting', 'none')).toBe('refetched'));
    expect(c.version()).toBe(9);
  });

  it('reports stale on 5xx and recovers when the server does', async () => {
    const s = await scripted((n, res) => {
      if (n < 3)
        res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"detail":"overloaded"}');
      else {
        sse(res);
        res.write(frame(payload(1, 'back')));
      }
    });
    open.push(s);
    const c = client(s.url);
    const stale: string[] = [];
    c.on('stale', (e) => stale.push(e.message));
    await c.waitForReady({ timeoutMs: 5000 });
    expect(stale[0]).toMatch(/503.*overloaded/);
    expect(c.value('greeting', 'none')).toBe('back');
    expect(c.status()).toBe('ready');
  });

  it('rejects waitForReady when the token is refused, and when the server never answers', async () => {
    const s = await scripted(() => {
      // never answers: headers are not sent
    });
    open.push(s);
    await expect(client(s.url, 'bad').waitForReady({ timeoutMs: 5000 })).rejects.toThrow(/401.*unknown/);
    await expect(client(s.url).waitForReady({ timeoutMs: 200 })).rejects.toThrow(/within 200 ms/);
  });
});
