/**
 * The runtime under concurrency, on SQLite and PostgreSQL: each due timer fires once even when
 * two runtimes share the database, and `onTimerFired` reports how late after `dueAt` its event
 * was stored (the figure bench/rollouts measures; the clock is fake, so the lags are exact); runs
 * started at the same moment share a transaction, yet only one of them takes a Service; and the
 * store's many-row statements keep the guards the runtime relies on.
 */
import { parsePlan } from '@sluice/core/rollouts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import type { CommandHandlers } from './command-handler.js';
import type { RunRecord } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';
import { RolloutRuntime, type TimerFired } from './runtime.js';

const plan = parsePlan({
  name: 'timers',
  version: '2.0.0',
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'api',
        initial_weight: 50,
        increment: 50,
        interval_seconds: 60,
        monitor_duration_minutes: 0,
      },
    },
  ],
});

const ok = async () => ({ ok: true });
const handlers: CommandHandlers = { deploy: ok, set_traffic: ok, retire: ok };

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

describe.each(DIALECTS)('the rollout runtime on %s', (dialect) => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  const runtimes: RolloutRuntime[] = [];
  let clock = Date.parse('2026-11-23T10:00:00Z');

  const runtime = (fired: TimerFired[]) => {
    const r = new RolloutRuntime({
      db: handle.db,
      handlers,
      now: () => clock,
      onTimerFired: (f) => fired.push(f),
    });
    runtimes.push(r);
    return r;
  };

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    handle = openDatabase({
      dataDir: testDb.dataDir,
      databaseUrl: testDb.databaseUrl,
      pgSchema: testDb.pgSchema,
    });
    await migrate(handle);
  });
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop();
    await handle.close();
    await testDb.drop();
  });

  it('fires each due timer once across two runtimes and reports its lag', async () => {
    const firedA: TimerFired[] = [];
    const firedB: TimerFired[] = [];
    const a = runtime(firedA);
    const b = runtime(firedB);
    const steps: { timerId: string; dueAt: number }[] = [];
    let status = '';
    for (const r of [a, b])
      r.onTransition((_run, result) => {
        status = result.state.status;
        for (const c of result.commands)
          if (c.kind === 'schedule_timer' && c.purpose === 'canary step interval') steps.push(c);
      });
    await a.resume();
    await b.resume();
    const run = await a.start({
      rollout: 'timers',
      environment: 'test',
      rolloutVersion: 1,
      plan,
      startedBy: 'tester',
      authority: { kind: 'token', scopes: ['write:test'] },
      locks: ['service:test/api'],
    });

    await vi.waitFor(() => expect(steps.length === 1, 'the first step timer').toBe(true), WAIT);
    clock = steps[0]!.dueAt + 5_000; // handled 5 s late
    a.poke();
    b.poke();
    await vi.waitFor(() => expect(steps.length === 2, 'the second step timer').toBe(true), WAIT);
    clock = steps[1]!.dueAt + 2_000;
    b.poke();
    a.poke();
    await vi.waitFor(() => expect(status === 'succeeded', 'the run to succeed').toBe(true), WAIT);

    const fired = [...firedA, ...firedB].sort((x, y) => x.dueAt - y.dueAt);
    expect(fired).toEqual([
      { runId: run.id, timerId: steps[0]!.timerId, dueAt: steps[0]!.dueAt, lagMs: 5_000 },
      { runId: run.id, timerId: steps[1]!.timerId, dueAt: steps[1]!.dueAt, lagMs: 2_000 },
    ]);
  });

  it('starts runs stored together, and refuses the one that wants a Service another took', async () => {
    const r = runtime([]);
    await r.resume();
    const start = (rollout: string, service: string) =>
      r.start({
        rollout,
        environment: 'test',
        rolloutVersion: 1,
        plan,
        startedBy: 'tester',
        authority: { kind: 'token', scopes: ['write:test'] },
        locks: [`service:test/${service}`],
      });
    const results = await Promise.allSettled([start('a', 'api'), start('b', 'web'), start('c', 'api')]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refused = (results[2] as PromiseRejectedResult).reason;
    expect(refused.code).toBe('ROLLOUT_RESOURCE_BUSY');
    const runs = await handle.db
      .selectFrom('sluice_rollout_run')
      .select('rollout')
      .orderBy('rollout')
      .execute();
    expect(runs.map((x) => x.rollout)).toEqual(['a', 'b']);
  });

  it('advances only runs still at the seq they were read at, and completes an op once', async () => {
    const store = createRunStore(handle.db);
    const run = (id: string): RunRecord => ({
      id,
      rollout: 'r',
      environment: 'test',
      rolloutVersion: 1,
      status: 'running',
      plan: {},
      state: { n: 0 },
      seq: 1,
      startedBy: 'tester',
      authority: { kind: 'token', scopes: ['write:test'] },
      startedAt: 't0',
      updatedAt: 't0',
    });
    expect(
      await store.insertRuns([
        { run: run('r1'), locks: ['x'] },
        { run: run('r2'), locks: ['y'] },
      ]),
    ).toEqual([]);
    expect(await store.insertRuns([{ run: run('r3'), locks: ['x'] }])).toEqual([
      { resource: 'x', runId: 'r1' },
    ]);
    const move = (runId: string, seq: number) => ({
      runId,
      seq,
      state: { n: seq },
      status: 'paused',
      at: 't1',
    });
    expect(await store.advanceRuns([move('r1', 1), move('r2', 7)])).toEqual(['r1']);
    expect(await store.getRun('r1')).toMatchObject({
      seq: 2,
      state: { n: 1 },
      status: 'paused',
      updatedAt: 't1',
    });
    expect(await store.getRun('r2')).toMatchObject({ seq: 1, state: { n: 0 }, status: 'running' });

    const op = (opId: string) => ({
      opId,
      runId: 'r1',
      seq: 2,
      command: {},
      status: 'pending' as const,
      result: null,
    });
    await store.insertOps([op('o1'), op('o2')]);
    expect(
      await store.completeOps([
        { opId: 'o1', result: { ok: true } },
        { opId: 'nope', result: null },
      ]),
    ).toEqual(['o1']);
    expect(await store.completeOps([{ opId: 'o1', result: { ok: false } }])).toEqual([]);
    expect(await store.getOp('o1')).toMatchObject({ status: 'done', result: { ok: true } });
    expect(await store.pendingOps('r1')).toMatchObject([{ opId: 'o2' }]);
  });
});
