import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { request } from '../test-support/upstream.js';

/**
 * An upstream that plays the keep-alive race on purpose: it answers the first request of each
 * connection and closes the connection, unanswered, when a second request arrives on it (as
 * a server whose idle timeout fired just as the request went out).
 */
let upstream: Server;
let upstreamPort: number;
const sockets = new Set<Socket>();
let answered = 0;
let dropped = 0;
let router: Router;
let port: number;

beforeAll(async () => {
  upstream = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let seen = 0;
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        const end = buffer.indexOf('\r\n\r\n') + 4;
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buffer = buffer.slice(end + length);
        seen++;
        if (seen === 1) {
          answered++;
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
        } else {
          dropped++;
          socket.destroy();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
  router = await createRouter({ listen: { port: 0 } });
  port = router.status().listen?.port ?? 0;
  await router.applyConfig({
    version: 1,
    routes: [
      {
        name: 'api',
        versions: [{ name: 'v1', url: `http://127.0.0.1:${upstreamPort}` }],
        weights: { v1: 100 },
      },
    ],
  });
});

afterAll(async () => {
  await router.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('keep-alive race', () => {
  it('sends a bodiless GET again on a fresh connection when a reused one is closed under it', async () => {
    const first = await request(port, '/one');
    const second = await request(port, '/two');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(dropped).toBe(1);
    expect(answered).toBe(2);
  });

  it('never replays a request with a body: it gets a 502', async () => {
    const r = await request(port, '/order', { method: 'POST', body: 'x' });
    expect(r.status).toBe(502);
    expect(dropped).toBe(2);
    expect(answered).toBe(2);
  });
});
