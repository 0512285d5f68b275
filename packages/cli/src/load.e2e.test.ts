/**
 * `sluice load` through a real embedded router: a run that mostly fails exits 1 and says why —
 * for a request no route matches, which host it asked for and which routes there are.
 */

import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'load-test-admin-token-000000';

describe('sluice load', () => {
  let server: SluiceServer;
  let url: string;
  let routerPort: number;
  let app: http.Server;
  const cli = (...args: string[]) => runCli(args, { url, token: ADMIN, cwd: tmpdir() });

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-load-'));
    server = await createServer(
      configFromEnv({}, { dataDir, adminToken: ADMIN, port: 0, routerPort: 0, embeddedRouter: true }),
    );
    url = await server.listen();
    routerPort = server.router?.status().listen?.port as number;
    app = http.createServer((_req, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const upstream = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
    const route = {
      kind: 'Route',
      metadata: { name: 'web' },
      spec: {
        host: 'web.localhost',
        pathPrefix: '/',
        versions: [{ name: '1.0.0', url: upstream }],
        weights: { '1.0.0': 100 },
      },
    };
    const res = await fetch(`${url}/api/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ documents: [route] }),
    });
    expect(res.status).toBe(200);
    // the router applies snapshots asynchronously
    for (let i = 0; i < 100 && !server.router?.table().routes.length; i++)
      await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((r) => app?.close(r));
  });

  it('exits 1 when most requests fail, showing the statuses and the reason', async () => {
    const res = await cli(
      'load',
      '--url',
      `http://127.0.0.1:${routerPort}/`,
      '--rps',
      '20',
      '--duration',
      '1s',
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/by status: 404 ×\d+/);
    expect(res.stdout).toContain(`404: no route for host 127.0.0.1:${routerPort} — routes: web.localhost`);
    expect(res.stderr).toMatch(/Most requests failed/);
  });

  it('reaches the route by its host name, and exits 0', async () => {
    const res = await cli(
      'load',
      '--url',
      `http://web.localhost:${routerPort}/`,
      '--rps',
      '20',
      '--duration',
      '1s',
    );
    expect(res.stdout).toMatch(/by status: 200 ×\d+/);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  });
});
