/**
 * Real traffic end to end: the control plane with its embedded router in front of two demo-app
 * processes (one made worse through `POST /_faults`), plain fetch loops as users, the apps
 * posting their page views, bounces and conversions to `POST /api/v1/events` with an sdk
 * token. The figures `GET /api/v1/metrics/query` reports match what was injected, within
 * statistical tolerance, and too little traffic is inconclusive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStandaloneRouter, type StandaloneRouter } from '@sluice/router';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';

const DEMO_APP = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'metrics-e2e-admin-token-0001';

interface App {
  child: ChildProcess;
  url: string;
}

async function startApp(version: string, eventsUrl: string, token: string): Promise<App> {
  const child = spawn(
    process.execPath,
    [DEMO_APP, '--version', version, '--port', '0', '--events-url', eventsUrl, '--events-token', token],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`demo app exited with ${code}: ${err}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stopApp(app: App | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null) return;
  const exited = once(app.child, 'exit');
  app.child.kill('SIGTERM');
  await exited;
}

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 15_000, interval: 20 };

interface Measured {
  metric: string;
  value: number | null;
  error?: string;
  sampleCount: number;
}

describe('metrics from real traffic', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-metrics-e2e-'));
  let server: SluiceServer;
  let cpUrl: string;
  let routerUrl: string;
  let stable: App;
  let canary: App;
  let edge: StandaloneRouter | undefined;
  /** Answers with status 200 per version: the page views the apps reported. */
  const served: Record<string, number> = { v1: 0, v2: 0 };

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const measure = async (params: Record<string, string>): Promise<Measured> => {
    const res = await api('GET', `/api/v1/metrics/query?${new URLSearchParams({ window: '5m', ...params })}`);
    expect(res.status).toBe(200);
    return res.body.measurement as Measured;
  };
  /** `n` users visiting `/` through the router, `workers` at a time. */
  const visit = async (n: number, from: number, workers = 8) => {
    let next = from;
    const worker = async () => {
      while (next < from + n) {
        const user = `user-${next++}`;
        const res = await fetch(`${routerUrl}/`, { headers: { 'x-user-id': user } });
        await res.text();
        const version = res.headers.get('sluice-version') ?? '?';
        if (res.status === 200) served[version] = (served[version] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  };

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, adminToken: ADMIN, port: 0, routerPort: 0, routerAdminPort: 0, embeddedRouter: true },
      ),
    );
    cpUrl = await server.listen();
    routerUrl = `http://127.0.0.1:${server.router?.status().listen?.port}`;
    const token = await api('POST', '/api/v1/tokens', { subject: 'demo-app', scopes: ['sdk:development'] });
    const eventsUrl = `${cpUrl}/api/v1/events`;
    [stable, canary] = await Promise.all([
      startApp('v1', eventsUrl, token.body.token as string),
      startApp('v2', eventsUrl, token.body.token as string),
    ]);
    const faults = async (app: App, body: unknown) =>
      expect((await fetch(`${app.url}/_faults`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(
        200,
      );
    // stable: no errors, 10 % bounce, converts 0.9 × 0.5 = 45 %; canary: 25 % errors, 150 ms,
    // 60 % bounce, converts 0.4 × 0.5 = 20 % (a 55.6 % relative drop)
    await faults(stable, { errorRate: 0, bounceRate: 0.1, conversionRate: 0.5 });
    await faults(canary, { errorRate: 0.25, latencyMs: 150, bounceRate: 0.6, conversionRate: 0.5 });
    const put = await api('PUT', '/api/v1/routes/shop', {
      spec: {
        pathPrefix: '/',
        versions: [
          { name: 'v1', url: stable.url },
          { name: 'v2', url: canary.url },
        ],
        weights: { v1: 50, v2: 50 },
      },
    });
    expect(put.status).toBe(201);
    await vi.waitFor(
      () =>
        expect(
          (server.router?.status().configVersion ?? 0) >= 1,
          'the embedded router to apply the route',
        ).toBe(true),
      WAIT,
    );
  });

  afterAll(async () => {
    await edge?.close();
    await Promise.all([stopApp(stable), stopApp(canary)]);
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is inconclusive on too little traffic', async () => {
    await visit(10, 0, 1);
    const errorRate = await measure({ metric: 'error_rate', route: 'shop', version: 'v2' });
    expect(errorRate).toMatchObject({
      value: null,
      sampleCount: 5,
      error: expect.stringMatching(/too few requests/),
    });
    const latency = await measure({ metric: 'latency_p95', route: 'shop', version: 'v1' });
    expect(latency).toMatchObject({ value: null, sampleCount: 5 });
    await vi.waitFor(
      async () =>
        expect(
          (await measure({ metric: 'bounce_rate', version: 'v1' })).sampleCount === served.v1,
          'the stable app to post its first page views',
        ).toBe(true),
      WAIT,
    );
    const bounce = await measure({ metric: 'bounce_rate', version: 'v1' });
    expect(bounce).toMatchObject({
      value: null,
      sampleCount: 5,
      error: expect.stringMatching(/too few page views/),
    });
  });

  it('measures the injected error rate and latency per version', async () => {
    await visit(600, 10, 16);
    const e1 = await measure({ metric: 'error_rate', route: 'shop', version: 'v1' });
    const e2 = await measure({ metric: 'error_rate', route: 'shop', version: 'v2' });
    // smooth weighted round robin: exactly half of the 610 requests each
    expect(e1).toEqual({ metric: 'error_rate', value: 0, sampleCount: 305 });
    expect(e2.sampleCount).toBe(305);
    expect(e2.error).toBeUndefined();
    expect(e2.value).toBeGreaterThan(25 - 10);
    expect(e2.value).toBeLessThan(25 + 10);
    expect(e2.value).toBeCloseTo((100 * (305 - (served.v2 as number))) / 305, 4);
    const l1 = await measure({ metric: 'latency_p95', route: 'shop', version: 'v1' });
    const l2 = await measure({ metric: 'latency_p95', route: 'shop', version: 'v2' });
    expect(l2.value).toBeGreaterThanOrEqual(0.15 * 0.95); // at least the injected delay (bins ±5 %)
    expect(l1.value).toBeLessThan(l2.value as number);
  });

  it('measures bounce rate and the conversion drop from the apps’ events', async () => {
    await vi.waitFor(async () => {
      const [a, b] = await Promise.all([
        measure({ metric: 'bounce_rate', version: 'v1' }),
        measure({ metric: 'bounce_rate', version: 'v2' }),
      ]);
      expect(
        a.sampleCount === served.v1 && b.sampleCount === served.v2,
        'every page view to arrive as an event',
      ).toBe(true);
    }, WAIT);
    const b1 = await measure({ metric: 'bounce_rate', version: 'v1' });
    const b2 = await measure({ metric: 'bounce_rate', version: 'v2' });
    expect(Math.abs((b1.value as number) - 10)).toBeLessThan(8);
    expect(Math.abs((b2.value as number) - 60)).toBeLessThan(15);
    const drop = await measure({ metric: 'conversion_rate_drop', version: 'v2', baseline: 'v1' });
    expect(drop.error).toBeUndefined();
    expect(drop.sampleCount).toBe(Math.min(served.v1 as number, served.v2 as number));
    expect(Math.abs((drop.value as number) - 55.6)).toBeLessThan(25);
    // the stable version does not drop against itself
    expect(await measure({ metric: 'conversion_rate_drop', version: 'v1', baseline: 'v1' })).toMatchObject({
      value: 0,
    });
  });

  it('refuses an unknown metric naming the known ones, and answers the orchestrator by name', async () => {
    const res = await api('GET', '/api/v1/metrics/query?metric=error_rat&version=v2&route=shop');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('METRIC_UNKNOWN');
    expect(res.body.errors).toEqual([{ path: 'query.metric', message: expect.stringMatching(/error_rate/) }]);
    expect(server.metrics.names()).toEqual(
      expect.arrayContaining(['bounce_rate', 'conversion_rate_drop', 'error_rate', 'latency_p95']),
    );
    const direct = await server.metrics.measure({
      metric: 'error_rate',
      route: 'shop',
      version: 'v1',
      windowMs: 300_000,
      now: new Date(),
    });
    expect(direct).toEqual({ metric: 'error_rate', value: 0, sampleCount: 305 });
  });

  it('adds the traffic of a standalone router that reports by heartbeat', async () => {
    const token = await api('POST', '/api/v1/tokens', { subject: 'edge-router', scopes: ['router'] });
    edge = await runStandaloneRouter({
      controlPlaneUrl: cpUrl,
      token: token.body.token as string,
      port: 0,
      adminPort: 0,
      host: '127.0.0.1',
      stateDir: join(dataDir, 'edge'),
      routerId: 'edge-1',
      heartbeatIntervalMs: 100,
    });
    const router = edge.router;
    await vi.waitFor(
      () => expect(router.status().configVersion >= 1, 'the standalone router to get the route').toBe(true),
      WAIT,
    );
    await vi.waitFor(
      () =>
        expect(
          server.routerConfig.routers().some((r) => r.routerId === 'edge-1' && r.adminUrl !== null),
          'a heartbeat with the admin URL',
        ).toBe(true),
      WAIT,
    );
    const edgeUrl = `http://127.0.0.1:${router.status().listen?.port}`;
    for (let i = 0; i < 40; i++) await (await fetch(`${edgeUrl}/api/v2/status`)).text();
    const m = await measure({ metric: 'error_rate', route: 'shop', version: 'v1' });
    expect(m).toEqual({ metric: 'error_rate', value: 0, sampleCount: 305 + 20 });
  });
});
