/**
 * The post-release guard on real parts, in scaled time (×60: the guard's 300 s are 5 s, its
 * 30 s interval half a second): demo-app processes, the embedded router, bounded load. The new
 * version reaches 100 % and the old one is retired; then the new one starts failing while the
 * guard watches, and the run rolls back to the previous release, which serves again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { retireAll } from '../test-support/demo-processes.js';
import { jsonApi } from '../test-support/http-api.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'guard-e2e-admin-token-000001';
const deploySpec = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 1,
};
const WAIT = { timeout: 60_000, interval: 50 };

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
        initial_weight: 50,
        increment: 50,
        max_weight: 50,
        interval_seconds: 30,
        monitor_duration_minutes: 0,
        thresholds: { error_rate: { max: 1, min_samples: 20 } },
      },
    },
  ],
  // the seed's auto-rollback.sh: error rate above 5 % within 300 s of the release
  guard: {
    metrics: { error_rate: { max: 5, min_samples: 20 } },
    duration_seconds: 300,
    interval_seconds: 30,
  },
};

describe('post-release guard', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-guard-'));
  let server: SluiceServer;
  let url: string;
  const api = jsonApi(() => url, ADMIN);
  let stopLoad = false;
  let load: Promise<void> = Promise.resolve();
  const served: string[] = [];

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, adminToken: ADMIN, port: 0, routerPort: 0, routerAdminPort: 0, embeddedRouter: true },
      ),
    );
    url = await server.listen();
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
    await server?.close();
    await retireAll(deploySpec, 'shop', dataDir);
  });

  it('rolls back to the previous release when the delivered version breaks while guarded', async () => {
    const started = await api('POST', '/api/v1/rollouts/shop-2-0-0/start', { timeScale: 60 });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.id as string;
    const port = () => server.router?.status().listen?.port;
    // bounded load: 4 clients, at most 40,000 requests
    let left = 40_000;
    const client = async () => {
      while (!stopLoad && left-- > 0) {
        const res = await fetch(`http://127.0.0.1:${port()}/api/v2/status`).catch(() => null);
        const version = res?.headers.get('sluice-demo-version');
        await res?.arrayBuffer();
        if (version) served.push(version);
        if (!res) await new Promise((r) => setTimeout(r, 20));
      }
    };
    await vi.waitFor(() => expect(port()).toBeTypeOf('number'), WAIT);
    load = Promise.all([client(), client(), client(), client()]).then(() => undefined);

    const guarded = (await vi.waitFor(async () => {
      const r = (await api('GET', `/api/v1/rollout-runs/${runId}`)).body;
      expect(r.guard, JSON.stringify(r)).not.toBeNull();
      return r;
    }, WAIT)) as { status: string; stages: { status: string; weight: number }[]; waitingFor: string[] };
    expect(guarded.status).toBe('running');
    expect(guarded.stages[0]).toMatchObject({ status: 'completed', weight: 100 });
    expect(guarded.waitingFor.some((w) => w.startsWith('guard: watching shop'))).toBe(true);

    const newVersion = server.router?.status().routes[0]?.versions.find((v) => v.name === '2.0.0');
    const faults = await fetch(new URL('/_faults', newVersion?.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(faults.status).toBe(200);

    const run = (await vi.waitFor(async () => {
      const r = (await api('GET', `/api/v1/rollout-runs/${runId}`)).body;
      expect(r.status).toBe('rolled_back');
      return r;
    }, WAIT)) as { reason: string; guard: { checks: { metric: string; verdict: string }[] } };
    expect(run.reason).toMatch(/^post-release guard on shop: metrics failed: error_rate/);
    expect(run.guard.checks).toMatchObject([{ metric: 'error_rate', verdict: 'fail' }]);
    const history = (await api('GET', `/api/v1/rollout-runs/${runId}/history`)).body.items as {
      transitions: { reason: string }[];
    }[];
    expect(history.flatMap((h) => h.transitions.map((t) => t.reason))).toContain('guard check: fail');

    // the previous release serves again, and stays the Service's stable version
    served.length = 0;
    await vi.waitFor(() => expect(served.length).toBeGreaterThan(50), WAIT);
    expect(new Set(served)).toEqual(new Set(['1.0.0']));
    expect((await api('GET', '/api/v1/services/shop')).body.spec.stableVersion).toBe('1.0.0');
  });
});
