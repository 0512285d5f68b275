/**
 * Routes from the control plane to the data plane: the embedded router applies each Route
 * change, a standalone router follows the stream, and with the control plane gone the
 * standalone router keeps serving its last configuration, then picks up changes again once
 * the control plane is back.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStandaloneRouter, type StandaloneRouter } from '@sluice/router';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';

const ADMIN = 'routing-test-admin-token-0001';

function upstream(name: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

async function countAnswers(url: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(url);
    const body = await res.text();
    counts[body] = (counts[body] ?? 0) + 1;
  }
  return counts;
}

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 20 };

describe('routing from control plane to routers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-routing-'));
  let server: SluiceServer;
  let cpUrl: string;
  let standalone: StandaloneRouter;
  let blue: Awaited<ReturnType<typeof upstream>>;
  let green: Awaited<ReturnType<typeof upstream>>;
  const start = (port = 0) =>
    createServer(
      configFromEnv(
        {},
        { dataDir, adminToken: ADMIN, port, routerPort: 0, routerAdminPort: 0, embeddedRouter: true },
      ),
    );
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${cpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    [blue, green] = await Promise.all([upstream('blue'), upstream('green')]);
    server = await start();
    cpUrl = await server.listen();
  });
  afterAll(async () => {
    await standalone?.close();
    await server?.close();
    await blue?.close();
    await green?.close();
  });

  it('applies a Route to the embedded router with its weights', async () => {
    const res = await api('PUT', '/api/v1/routes/shop', {
      spec: {
        pathPrefix: '/',
        versions: [
          { name: 'blue', url: blue.url },
          { name: 'green', url: green.url },
        ],
        weights: { blue: 90, green: 10 },
      },
    });
    expect(res.status).toBe(201);
    const port = server.router?.status().listen?.port;
    await vi.waitFor(
      () =>
        expect(server.router?.status().configVersion === 1, 'the embedded router to apply version 1').toBe(
          true,
        ),
      WAIT,
    );
    expect(await countAnswers(`http://127.0.0.1:${port}/`, 20)).toEqual({ blue: 18, green: 2 });
  });

  it('refuses a route that overlaps another, naming the problem, and changes nothing', async () => {
    const res = await api('PUT', '/api/v1/routes/shop-copy', {
      spec: { pathPrefix: '/', versions: [{ name: 'blue', url: blue.url }], weights: { blue: 100 } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/host|prefix/i);
    expect(server.router?.status().configVersion).toBe(1);
  });

  it('feeds a standalone router that keeps serving while the control plane is down', async () => {
    const tokenRes = await api('POST', '/api/v1/tokens', { subject: 'edge-router', scopes: ['router'] });
    const { token } = (await tokenRes.json()) as { token: string };
    standalone = await runStandaloneRouter({
      controlPlaneUrl: cpUrl,
      token,
      port: 0,
      adminPort: 0,
      stateDir: join(dataDir, 'edge'),
      routerId: 'edge-1',
      heartbeatIntervalMs: 100,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
    });
    const edge = `http://127.0.0.1:${standalone.router.status().listen?.port}/`;
    await vi.waitFor(
      () =>
        expect(
          standalone.router.status().configVersion === 1,
          'the standalone router to apply version 1',
        ).toBe(true),
      WAIT,
    );
    expect(await countAnswers(edge, 10)).toEqual({ blue: 9, green: 1 });
    await vi.waitFor(async () => {
      const routers = (await (await api('GET', '/api/v1/routers')).json()) as {
        standalone: { routerId: string; configVersion: number }[];
      };
      expect(
        routers.standalone.some(
          (r: { routerId: string; configVersion: number }) =>
            r.routerId === 'edge-1' && r.configVersion === 1,
        ),
        'a heartbeat from edge-1',
      ).toBe(true);
    }, WAIT);

    // the control plane goes away: the router serves on, with the same split
    const port = Number(new URL(cpUrl).port);
    await server.close();
    expect(await countAnswers(edge, 10)).toEqual({ blue: 9, green: 1 });

    // it comes back on the same address and database: the router reconnects and follows changes
    server = await start(port);
    await server.listen();
    const put = await api('PUT', '/api/v1/routes/shop', {
      spec: {
        pathPrefix: '/',
        versions: [
          { name: 'blue', url: blue.url },
          { name: 'green', url: green.url },
        ],
        weights: { blue: 0, green: 100 },
      },
    });
    expect(put.status).toBe(200);
    await vi.waitFor(
      () =>
        expect(
          standalone.router.status().configVersion === 2,
          'the standalone router to apply version 2',
        ).toBe(true),
      WAIT,
    );
    expect(await countAnswers(edge, 10)).toEqual({ green: 10 });
  });
});
