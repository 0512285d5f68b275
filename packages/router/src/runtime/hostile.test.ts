/**
 * Issue 13 regressions on the router's listeners: `GET //` on the admin port ended the process
 * (H1); two Host headers were routed by the first (L7, RFC 9112 §3.2 wants a 400).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../test-support/upstream.js';
import { createRouter } from './router.js';
import type { Router } from './types.js';

/** Sends raw bytes and resolves with the status line's code (the connection is closed after). */
function rawStatus(port: number, bytes: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

let upstream: Upstream;
let router: Router;
let proxyPort: number;
let adminPort: number;

beforeAll(async () => {
  upstream = await startUpstream('v1');
  router = await createRouter({ listen: { port: 0 }, adminListen: { port: 0 } });
  await router.applyConfig({
    version: 1,
    routes: [
      { name: 'a', host: 'a.test', versions: [{ name: 'v1', url: upstream.url }], weights: { v1: 100 } },
    ],
  });
  proxyPort = router.status().listen?.port ?? 0;
  adminPort = router.status().admin?.port ?? 0;
});

afterAll(async () => {
  await router?.close();
  await upstream?.close();
});

describe('router admin port (H1)', () => {
  it.each(['//', '//x/healthz', '*', 'http://[::1', '/%zz'])('answers %s without dying', async (target) => {
    const status = await rawStatus(
      adminPort,
      `GET ${target} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404]).toContain(status);
    expect(await rawStatus(adminPort, 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toBe(
      200,
    );
  });
});

describe('router proxy port (L7)', () => {
  it('refuses two Host headers with 400 and still routes one', async () => {
    const two = 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n';
    expect(await rawStatus(proxyPort, two)).toBe(400);
    const one = 'GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n';
    expect(await rawStatus(proxyPort, one)).toBe(200);
  });
});
