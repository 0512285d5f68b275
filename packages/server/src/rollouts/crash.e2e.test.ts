/**
 * Durable rollouts (docs/architecture.md, Durability), tested for real on SQLite and PostgreSQL:
 * the control plane process is SIGKILLed at 10 points of a short plan (a blue-green deploy of the
 * demo app, then a flag walked through twelve percentages in seconds) and started again each
 * time. The run must end as it would have without crashes, with no action applied twice: one
 * demo-app process for the version in the process table (`/proc`, where a duplicate spawned
 * before the provider saved its pid would show, unlike in the provider's own state file), and
 * one flag write per percentage. The kill points come from a seed that is new on every run and
 * printed; `CRASH_SEED=<seed>` replays a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { retireAll } from '../test-support/demo-processes.js';
import { jsonApi, waitForRunEnd } from '../test-support/http-api.js';

const CLI = fileURLToPath(new URL('../../../cli/src/bin.ts', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'crash-test-admin-token-000001';
/** Kills per database: ten, while the flag walks twelve steps. */
const KILLS = 10;
const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31);
/** Marks the demo-app processes of this test run in their environment, for the /proc check. */
const RUN_MARK = `crash-${randomUUID()}`;
const deploySpecFor = (dialect: string) => ({
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
  env: { SLUICE_CRASH_TEST: `${RUN_MARK}-${dialect}` },
});

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
        // twelve steps of 3 s: long enough that every kill (a restart takes seconds) lands mid-run
        rollout_stages: Array.from({ length: 12 }, (_, i) => ({
          percentage: Math.round(((i + 1) * 100) / 12),
          duration_minutes: 0.05,
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

/**
 * The live processes of this test run serving `version`, read from the process table: every
 * process whose environment carries the run's mark (zombies, already dead, are not counted).
 */
function processesServing(mark: string, version: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`SLUICE_CRASH_TEST=${mark}`) || !environ.includes(`SLUICE_VERSION=${version}`))
        continue;
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      if (state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A deterministic sequence of kill delays, so a failure can be replayed. */
function delays(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return 150 + (x % 900);
  });
}

// printed once, so a failure in CI can be replayed with the same kill points
console.log(
  `crash test seed ${SEED} (replay: CRASH_SEED=${SEED} npx vitest run ${fileURLToPath(import.meta.url)})`,
);

describe.each(DIALECTS)('a rollout survives SIGKILL of the control plane on %s', (dialect) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  const deploySpec = deploySpecFor(dialect);
  let database: TestDatabase | undefined;
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
          ...(database?.databaseUrl
            ? {
                // the test's own schema: pg passes `options` to the server at connect time
                DATABASE_URL: `${database.databaseUrl}?options=${encodeURIComponent(`-c search_path=${database.pgSchema}`)}`,
              }
            : {}),
          SLUICE_ADMIN_TOKEN: ADMIN,
          SLUICE_LOG_LEVEL: 'error',
          SLUICE_ROUTER_PORT: '0',
          SLUICE_ROUTER_ADMIN_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // the log, kept to explain a start that never got ready
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = child;
    const deadline = Date.now() + 120_000; // a loaded CI machine can take long to start a tsx process
    while (Date.now() < deadline) {
      if (started.exitCode !== null) break;
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `seed ${SEED}: the control plane did not become ready (exit code ${started.exitCode}); its log ends:\n${output}`,
    );
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
    await database?.drop();
  });

  it(`reaches the same end after ${KILLS} kills, applying nothing twice (seed ${SEED})`, async () => {
    if (dialect === 'postgres') database = await createTestDatabase('postgres');
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
    for (const delay of delays(SEED, KILLS)) {
      await new Promise((r) => setTimeout(r, delay));
      await kill();
      await start(port);
      statuses.push((await api('GET', `/api/v1/rollout-runs/${id}`)).body.status);
      if (process.env.DEBUG_CRASH) console.log(Date.now(), statuses.at(-1));
    }
    // bounded: 2,400 looks (about two minutes on a loaded machine)
    const run = await waitForRunEnd(api, id, 2400);
    expect(
      run.status,
      `seed ${SEED}: ${JSON.stringify(run)}; statuses after each restart: ${statuses.join(', ')}`,
    ).toBe('succeeded');
    // the kills landed while the run was in progress, not all after it had finished
    expect(statuses.filter((s) => s === 'running').length).toBeGreaterThan(KILLS / 2);

    // one demo-app process for 1.0.0 in the process table, however often its deploy was replayed
    expect(
      processesServing(deploySpec.env.SLUICE_CRASH_TEST, '1.0.0'),
      `seed ${SEED}: demo-app processes for 1.0.0`,
    ).toHaveLength(1);

    // one flag write per set_flag operation: each percentage written once, every one of them
    const audit = (await api('GET', '/api/v1/audit?kind=Flag&name=crash-flag&limit=500')).body.items;
    const written = audit
      .filter((e: any) => e.actor === `rollout:${id}` && e.after)
      .map((e: any) => e.after.spec.metadata.rolloutPercentage as number)
      .sort((a: number, b: number) => a - b);
    const percentages = plan.stages[1]!.config.rollout_stages!.map((s) => s.percentage);
    expect(written, `seed ${SEED}: the percentages written`).toEqual(percentages);
    const flag = await api('POST', '/api/v1/flags/crash-flag/evaluate', {
      context: { targetingKey: 'anyone' },
    });
    expect(flag.body).toMatchObject({ value: true, variant: 'on' });
  }, 420_000);
});
