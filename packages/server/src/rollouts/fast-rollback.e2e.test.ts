/**
 * Fast rollback on the real parts: a control plane without an embedded router, one standalone
 * router that pushes its per-version counts, demo-app processes. The canary's scheduled checks
 * are ten minutes apart, so only the pushed counts can roll it back while the test runs: a
 * healthy canary under load stays, a canary answering 500 rolls back, recorded as a check.
 * Once with the router proxying in its own process, once with two worker processes (their
 * counts are summed by the router's primary before they are pushed).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStandaloneRouter, type StandaloneRouter } from '@sluice/router';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { retireAll } from '../test-support/demo-processes.js';
import { jsonApi } from '../test-support/http-api.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'fast-rollback-admin-token-0001';
const deploySpec = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};
const WAIT = { timeout: 30_000, interval: 50 };

const plan = {
  name: 'Shop 2.0.0',
  version: '2.0.0',
  max_duration_hours: 2,
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'shop',
        initial_weight: 30,
        increment: 30,
        max_weight: 60,
        interval_seconds: 600,
        monitor_duration_minutes: 10,
        thresholds: { error_rate: { max: 1, min_samples: 20 } },
      },
    },
  ],
};

describe.each([1, 2])('fast rollback from pushed router counts (router workers: %i)', (workers) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-fast-rb-'));
  let server: SluiceServer;
  let url: string;
  let edge: StandaloneRouter;
  const api = jsonApi(() => url, ADMIN);
  let stopLoad = false;
  let load: Promise<void> = Promise.resolve();

  /** Bounded load through the router: 4 clients, until stopped or 20,000 requests. */
  const startLoad = () => {
    stopLoad = false;
    let left = 20_000;
    const port = edge.router.status().listen?.port;
    const client = async () => {
      while (!stopLoad && left-- > 0) {
        await fetch(`http://127.0.0.1:${port}/api/v2/status`)
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
      }
    };
    load = Promise.all([client(), client(), client(), client()]).then(() => undefined);
  };
  const weights = () => edge.router.status().routes.find((r) => r.name === 'shop')?.versions ?? [];
  const canaryWeight = () => weights().find((v) => v.name === '2.0.0')?.weight ?? null;

  beforeAll(async () => {
    server = await createServer(
      configFromEnv({}, { dataDir, adminToken: ADMIN, port: 0, routerPort: 0, routerAdminPort: 0 }),
    );
    url = await server.listen();
    const token = (await api('POST', '/api/v1/tokens', { subject: 'edge', scopes: ['router'] })).body.token;
    edge = await runStandaloneRouter({
      controlPlaneUrl: url,
      token,
      port: 0,
      adminPort: 0,
      stateDir: join(dataDir, 'edge'),
      routerId: 'edge-1',
      heartbeatIntervalMs: 200,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      log: () => {},
      router: { workers },
    });
    const service = {
      kind: 'Service',
      metadata: { name: 'shop' },
      spec: {
        stableVersion: '1.0.0',
        deploy: deploySpec,
        traffic: { provider: 'builtin', route: { pathPrefix: '/' } },
      },
    };
    const applied = await api('POST', '/api/v1/apply', { documents: [service, plan] });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });

  afterAll(async () => {
    stopLoad = true;
    await load;
    await edge?.close();
    await server?.close();
    await retireAll(deploySpec, 'shop', dataDir);
  });

  it('keeps a healthy canary under load, and rolls a failing one back without waiting for its check', async () => {
    const started = await api('POST', '/api/v1/rollouts/shop-2-0-0/start', {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.id as string;
    await vi.waitFor(() => expect(canaryWeight()).toBe(30), WAIT);

    // healthy: the pushed counts are judged (and found fine) while the load runs
    startLoad();
    await vi.waitFor(() => {
      const canary = edge.router.metrics.window('shop', '2.0.0', 600_000, Date.now());
      expect(canary.requests).toBeGreaterThan(200);
    }, WAIT);
    const healthy = (await api('GET', `/api/v1/rollout-runs/${runId}`)).body;
    expect(healthy.status).toBe('running');
    expect(canaryWeight()).toBe(30);

    // the canary turns bad: every answer a 500
    const canaryUrl = weights().find((v) => v.name === '2.0.0')?.url as string;
    const faults = await fetch(new URL('/_faults', canaryUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(faults.status).toBe(200);

    // weight 0, or already gone from the route: the router's config stream may deliver the
    // rollback's weight change and the retirement that follows it as one version
    await vi.waitFor(() => expect(canaryWeight() ?? 0).toBe(0), WAIT);
    const run = (await vi.waitFor(async () => {
      const r = (await api('GET', `/api/v1/rollout-runs/${runId}`)).body;
      expect(r.status).toBe('rolled_back');
      return r;
    }, WAIT)) as { reason: string };
    stopLoad = true;
    await load;
    expect(run.reason).toMatch(/between scheduled checks/);
    expect(run.reason).toMatch(/error_rate/);
    const events = (await api('GET', `/api/v1/rollout-runs/${runId}/history`)).body;
    const types = events.items.map((e: { event: { type: string } }) => e.event.type);
    expect(types).toContain('breach');
    // no scheduled check ran: the first timer is ten minutes out
    expect(types).not.toContain('timer_fired');
  });
});
