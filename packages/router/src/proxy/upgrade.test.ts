import type http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { rawExchange, refusedPort, startUpstream, type Upstream } from '../test-support/upstream.js';

let upstream: Upstream;
let router: Router;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream('ws');
  // A minimal upgrade endpoint: after 101 it echoes bytes back upper-cased.
  upstream.server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `X-Seen-Path: ${req.url}\r\n\r\n`,
    );
    if (head.length > 0) socket.write(head.toString().toUpperCase());
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
  });
  router = await createRouter({ listen: { port: 0 } });
  port = router.status().listen?.port ?? 0;
  await router.applyConfig({
    version: 1,
    routes: [{ name: 'live', versions: [{ name: 'ws', url: upstream.url }], weights: { ws: 100 } }],
  });
});

afterAll(async () => {
  await router.close();
  await upstream.close();
});

describe('protocol upgrades', () => {
  it('passes a WebSocket handshake through and splices the connections', async () => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const gotEcho = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received += d.toString();
        if (received.includes('PING-PONG')) resolve();
      });
    });
    socket.write(
      'GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    socket.write('ping-pong');
    await gotEcho;
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    expect(received.toLowerCase()).toContain('sluice-version: ws');
    expect(received.toLowerCase()).toContain('x-seen-path: /chat');
    expect(router.metrics.window('live', 'ws', 60_000, Date.now()).requests).toBe(1);
  });

  it('answers 502 problem+json when the upstream of an upgrade refuses connections', async () => {
    const dead = await refusedPort();
    await router.applyConfig({
      version: 10,
      routes: [
        {
          name: 'live',
          versions: [{ name: 'gone', url: `http://127.0.0.1:${dead}` }],
          weights: { gone: 100 },
        },
      ],
    });
    const raw = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 502 /);
    expect(raw).toContain('"code":"ROUTER_UPSTREAM_UNAVAILABLE"');
    expect(router.metrics.window('live', 'gone', 60_000, Date.now()).errors).toBe(1);
  });

  it('relays a refused upgrade as a plain response', async () => {
    const refusing = await startUpstream('plain');
    try {
      await router.applyConfig({
        version: 11,
        routes: [{ name: 'live', versions: [{ name: 'plain', url: refusing.url }], weights: { plain: 100 } }],
      });
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (d: Buffer) => {
          data += d.toString();
        });
        socket.on('close', () => resolve(data));
        socket.write('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      });
      // This upstream has no upgrade handler, so it answers as to a plain GET. The relayed
      // answer is delimited by the close: no chunked framing over an already decoded body.
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head?.toLowerCase()).toContain('sluice-version: plain');
      expect(head?.toLowerCase()).toContain('connection: close');
      expect(head?.toLowerCase()).not.toContain('transfer-encoding');
      expect(JSON.parse(body ?? '')).toMatchObject({ version: 'plain' });
    } finally {
      await refusing.close();
    }
  });
});
