import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { request } from '../test-support/upstream.js';

let dir: string;
let cert: string;
let upstream: https.Server;
let upstreamUrl: string;
let router: Router;
let port: number;

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, made for this run.
  dir = await mkdtemp(join(tmpdir(), 'sluice-tls-'));
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=sluice-test',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:upstream.test',
  ]);
  cert = await readFile(join(dir, 'cert.pem'), 'utf8');
  const key = await readFile(join(dir, 'key.pem'), 'utf8');
  upstream = https.createServer({ key, cert }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ secure: true, path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  router = await createRouter({ listen: { port: 0 } });
  port = router.status().listen?.port ?? 0;
});

afterAll(async () => {
  await router.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('https upstreams', () => {
  it('verifies an upstream against the CA given in the snapshot', async () => {
    await router.applyConfig({
      version: 1,
      routes: [
        {
          name: 'secure',
          versions: [{ name: 'v1', url: upstreamUrl, tls: { ca: cert } }],
          weights: { v1: 100 },
          healthCheck: { path: '/healthz', intervalMs: 100, unhealthyThreshold: 1 },
        },
      ],
    });
    const r = await request(port, '/hello');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ secure: true, path: '/hello' });
    // The health check goes over TLS with the same CA.
    for (let i = 0; i < 500 && router.status().health[0]?.lastCheckedAt == null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(router.status().health[0]).toMatchObject({ version: 'v1', healthy: true, lastError: null });
  });

  it('checks the certificate against the configured server name', async () => {
    await router.applyConfig({
      version: 2,
      routes: [
        {
          name: 'secure',
          versions: [{ name: 'v1', url: upstreamUrl, tls: { ca: cert, serverName: 'upstream.test' } }],
          weights: { v1: 100 },
        },
      ],
    });
    expect((await request(port, '/named')).status).toBe(200);
    await router.applyConfig({
      version: 3,
      routes: [
        {
          name: 'secure',
          versions: [{ name: 'v1', url: upstreamUrl, tls: { ca: cert, serverName: 'other.test' } }],
          weights: { v1: 100 },
        },
      ],
    });
    const wrongName = await request(port, '/named');
    expect(wrongName.status).toBe(502);
    expect(JSON.parse(wrongName.body).detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses an upstream whose certificate it cannot verify: 502', async () => {
    await router.applyConfig({
      version: 4,
      routes: [{ name: 'secure', versions: [{ name: 'v1', url: upstreamUrl }], weights: { v1: 100 } }],
    });
    const r = await request(port, '/hello');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).detail).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});
