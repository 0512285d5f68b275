/**
 * Durable rollouts (docs/architecture.md, Durability), tested for real: the control plane
 * process is SIGKILLed at 20 points of a short plan (a blue-green deploy of the demo app, then
 * a flag walked through twenty percentages in seconds) and started again each time. The run
 * must end as it would have without crashes, with no action applied twice: one demo-app process
 * for the version, and one flag write per set_flag operation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { retireAll, runningVersions } from '../test-support/demo-processes.js';
import { jsonApi, waitForRunEnd } from '../test-support/http-api.js';

const CLI = fileURLToPath(new URL('../../../cli/src/bin.ts', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'crash-test-admin-token-000001';
const KILLS = 20;
const deploySpec = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};

const plan = {
  name: 'Crash Course',
  version: '1.0.0',
  max_duration_hours: 1,
  stages: [
    {
      name: 'deploy_backend',
      strategy: 'blue_green',
      config: {
        app_name: 'api-service',
        image: 'api:1.0.0',
        smoke_tests: [{ endpoint: '/api/v2/status', expected_status: 200 }],
        health_check: { endpoint: '/health', retries: 10, interval_seconds: 0.2, timeout_seconds: 2 },
        scale_down_delay_seconds: 0,
      },
    },
    {
      name: 'enable_flag',
      strategy: 'feature_flag',
      dependencies: ['deploy_backend'],
      config: {
        flag_key: 'crash-flag',
        progressive_rollout: true,
        // twenty steps of 3.6 s: long enough that every kill (a restart takes seconds) lands mid-run
        rollout_stages: Array.from({ length: 20 }, (_, i) => ({
          percentage: (i + 1) * 5,
          duration_minutes: 0.06,
        })),
      },
    },
  ],
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A deterministic sequence of kill delays, so a failure can be replayed. */
function delays(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return 150 + (x % 900);
  });
}

describe('a rollout survives SIGKILL of the control plane', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  let child: ChildProcess | undefined;
  let url = '';

  const api = jsonApi(() => url, ADMIN);

  const start = async (port: number) => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions',
        'sluice-source',
        CLI,
        'up',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
      ],
      {
        env: {
          ...process.env,
          SLUICE_ADMIN_TOKEN: ADMIN,
          SLUICE_LOG_LEVEL: 'error',
          SLUICE_ROUTER_PORT: '0',
          SLUICE_ROUTER_ADMIN_PORT: '0',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    for (let i = 0; i < 600; i++) {
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the control plane did not become ready');
  };

  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };

  afterAll(async () => {
    await kill();
    await retireAll(deploySpec, 'api-service', dataDir);
  });

  it(`reaches the same end after ${KILLS} kills, applying nothing twice`, async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await start(port);
    const service = {
      kind: 'Service',
      metadata: { name: 'api-service' },
      spec: { deploy: deploySpec, traffic: { provider: 'builtin', route: { pathPrefix: '/' } } },
    };
    expect((await api('POST', '/api/v1/apply', { documents: [service, plan] })).status).toBe(200);
    const id = (await api('POST', '/api/v1/rollouts/crash-course/start', {})).body.id as string;

    const statuses: string[] = [];
    for (const delay of delays(20261123, KILLS)) {
      await new Promise((r) => setTimeout(r, delay));
      await kill();
      await start(port);
      statuses.push((await api('GET', `/api/v1/rollout-runs/${id}`)).body.status);
      if (process.env.DEBUG_CRASH) console.log(Date.now(), statuses.at(-1));
    }
    // bounded: 2,400 looks (about two minutes on a loaded machine)
    const run = await waitForRunEnd(api, id, 2400);
    expect(run.status, `${JSON.stringify(run)}; statuses after each restart: ${statuses.join(', ')}`).toBe(
      'succeeded',
    );
    // the kills landed while the run was in progress, not all after it had finished
    expect(statuses.filter((s) => s === 'running').length).toBeGreaterThan(KILLS / 2);

    // one demo-app process for 1.0.0, however often its deploy was replayed
    expect(await runningVersions(deploySpec, 'api-service', dataDir)).toEqual(['1.0.0']);

    // one flag write per set_flag operation
    const audit = (await api('GET', '/api/v1/audit?kind=Flag&name=crash-flag&limit=500')).body.items;
    const ops = audit.map((e: any) => e.after?.spec?.metadata?.['sluice.rolloutOp']).filter(Boolean);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    expect(new Set(ops).size).toBe(ops.length);
    const flag = await api('POST', '/api/v1/flags/crash-flag/evaluate', {
      context: { targetingKey: 'anyone' },
    });
    expect(flag.body).toMatchObject({ value: true, variant: 'on' });
  }, 420_000);
});
