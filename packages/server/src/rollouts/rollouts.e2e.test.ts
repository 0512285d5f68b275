/**
 * Rollout runs end to end on both databases, with the server's clock in the test's hands: a
 * feature_flag stage behind a manual gate walks its percentages, aborts roll the flag back to
 * the version before the run, and a run survives the control plane being replaced mid-way.
 */
import { parsePlan, simulate } from '@sluice/core/rollouts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const plan = (flag: string) => ({
  name: `Release ${flag}`,
  version: '2.0.0',
  max_duration_hours: 4,
  stages: [
    {
      name: 'enable_flag',
      strategy: 'feature_flag',
      config: {
        flag_key: flag,
        name: 'New checkout',
        progressive_rollout: true,
        rollout_stages: [
          { percentage: 25, duration_minutes: 10 },
          { percentage: 100, duration_minutes: 10 },
        ],
      },
      gates: [{ type: 'manual', required_approvers: ['product_manager'] }],
    },
  ],
});

/** How long a run may take to get where a test waits for it (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 20 };

describe.each(DIALECTS)('rollout runs on %s', (dialect) => {
  let t: TestServer;
  let clock = Date.parse('2026-11-23T10:00:00Z');
  const now = () => new Date(clock);
  const advance = (minutes: number) => {
    clock += minutes * 60_000;
    t.server.rollouts.runtime.poke();
  };
  let approver: string;
  const run = (id: string) => t.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);

  beforeAll(async () => {
    t = await startTestServer(dialect, { now });
    approver = await t.token(['write'], 'pat', ['product_manager']);
  });
  afterAll(async () => t?.close());

  it('applies the plan, waits for approval visibly, then walks the flag to 100%', async () => {
    const applied = await t.request('POST', '/api/v1/apply', { body: { documents: [plan('checkout-v2')] } });
    expect(applied.body.results[0]).toMatchObject({
      kind: 'Rollout',
      name: 'release-checkout-v2',
      action: 'created',
    });
    const started = await t.request('POST', '/api/v1/rollouts/release-checkout-v2/start', { body: {} });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const gating = await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].status === 'gating', 'the manual gate').toBe(true);
      return r;
    }, WAIT);
    expect(gating.waitingFor.join(' ')).toMatch(/product_manager/);

    // the starter (admin) may not approve their own rollout; a product manager may
    const self = await t.request('POST', `/api/v1/rollout-runs/${id}/approve`, {
      body: { stage: 'enable_flag' },
    });
    expect(self.status).toBe(409);
    const ok = await t.request('POST', `/api/v1/rollout-runs/${id}/approve`, {
      token: approver,
      body: { stage: 'enable_flag' },
    });
    expect(ok.status).toBe(200);

    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 25, 'the flag at 25%').toBe(true);
      return r;
    }, WAIT);
    const flag = await t.request('GET', '/api/v1/flags/checkout-v2?environment=development');
    expect(flag.body.metadata.updatedBy).toBe(`rollout:${id}`);
    // the run's bookkeeping stays in its own tables: nothing of it reaches the flag or its clients
    expect(JSON.stringify(flag.body.spec)).not.toMatch(/sluice\./);
    advance(10);
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 100, 'the flag at 100%').toBe(true);
      return r;
    }, WAIT);
    advance(10);
    const done = await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.status === 'succeeded', 'success').toBe(true);
      return r;
    }, WAIT);
    expect(done.stages[0].status).toBe('completed');
    const everyone = await t.request('POST', '/api/v1/flags/checkout-v2/evaluate?environment=development', {
      body: { context: { targetingKey: 'someone' } },
    });
    expect(everyone.body.value).toBe(true);
    expect(Object.keys(everyone.body.flagMetadata).filter((k) => k.startsWith('sluice.'))).toEqual([]);
    const history = (await t.request('GET', `/api/v1/rollout-runs/${id}/history`)).body.items;
    expect(history[0].event.type).toBe('run_started');
    expect(history.some((e: any) => e.event.type === 'approve' && e.actor === 'pat')).toBe(true);
  });

  it('takes the same transitions, in the same order, as `simulate` predicts for the plan', async () => {
    const doc = {
      ...plan('simulated-flag'),
      name: 'Simulated',
      stages: [{ ...plan('simulated-flag').stages[0], gates: [] }],
    };
    await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
    const startedAt = clock;
    const id = (await t.request('POST', '/api/v1/rollouts/simulated/start', { body: {} })).body.id;
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 25, '25%').toBe(true);
      return r;
    }, WAIT);
    advance(10);
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 100, '100%').toBe(true);
      return r;
    }, WAIT);
    advance(10);
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.status === 'succeeded', 'success').toBe(true);
      return r;
    }, WAIT);
    const real = (await t.request('GET', `/api/v1/rollout-runs/${id}/history`)).body.items.flatMap((e: any) =>
      e.transitions.map((tr: any) => `${tr.stage ?? 'run'}:${tr.from}->${tr.to}`),
    );
    const predicted = simulate(parsePlan(doc), {}, { startAt: startedAt }).timeline.map(
      (tr) => `${tr.stage ?? 'run'}:${tr.from}->${tr.to}`,
    );
    expect(predicted.length).toBeGreaterThan(3);
    expect(real).toEqual(predicted);
  });

  it('runs a time-scaled plan that many times faster, and says so', async () => {
    const doc = {
      ...plan('scaled-flag'),
      name: 'Scaled',
      stages: [{ ...plan('scaled-flag').stages[0], gates: [] }],
    };
    await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
    const refused = await t.request('POST', '/api/v1/rollouts/scaled/start', { body: { timeScale: 0.5 } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((f: { path: string }) => f.path)).toEqual(['body.timeScale']);
    expect((await t.request('GET', '/api/v1/rollout-runs?rollout=scaled')).body.items).toEqual([]);

    const started = await t.request('POST', '/api/v1/rollouts/scaled/start', { body: { timeScale: 60 } });
    expect(started.status).toBe(201);
    expect(started.body.timeScale).toBe(60);
    await vi.waitFor(async () => {
      const r = await run(started.body.id);
      expect(r.stages[0].weight === 25, '25%').toBe(true);
      return r;
    }, WAIT);
    // 10 planned minutes are 10 seconds at ×60
    clock += 10_000;
    t.server.rollouts.runtime.poke();
    await vi.waitFor(async () => {
      const r = await run(started.body.id);
      expect(r.stages[0].weight === 100, '100% after 10 s').toBe(true);
      return r;
    }, WAIT);
    clock += 10_000;
    t.server.rollouts.runtime.poke();
    const done = await vi.waitFor(async () => {
      const r = await run(started.body.id);
      expect(r.status === 'succeeded', 'success after another 10 s').toBe(true);
      return r;
    }, WAIT);
    expect(done.timeScale).toBe(60);
    const history = (await t.request('GET', `/api/v1/rollout-runs/${started.body.id}/history`)).body.items;
    expect(history[0].transitions[0].reason).toContain('time-scaled ×60');
  });

  it('says why a step waits: each metric, its value or why none, the bound, and when it looks again', async () => {
    const doc = {
      ...plan('measured-flag'),
      name: 'Measured',
      stages: [
        {
          ...plan('measured-flag').stages[0],
          gates: [],
          config: {
            ...plan('measured-flag').stages[0]!.config,
            rollout_stages: [{ percentage: 25, duration_minutes: 10, thresholds: { max_error_rate: 1 } }],
          },
        },
      ],
    };
    await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } });
    const id = (await t.request('POST', '/api/v1/rollouts/measured/start', { body: {} })).body.id;
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 25, '25%').toBe(true);
      return r;
    }, WAIT);
    advance(10);
    // nothing serves the flag here, so the reading has no value and the stage keeps trying
    const waiting = await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].checks.length > 0, 'a check').toBe(true);
      return r;
    }, WAIT);
    const stage = waiting.stages[0];
    expect(stage.checks).toEqual([
      {
        metric: 'error_rate',
        query: null,
        window: '600s',
        value: null,
        reason: 'error_rate: no service to measure this flag by',
        threshold: { max: 1 },
        unit: '%',
        samples: 0,
        minSamples: 1,
        verdict: 'inconclusive',
        nextAt: expect.any(String),
      },
    ]);
    expect(Date.parse(stage.checks[0].nextAt)).toBeGreaterThan(clock);
    expect(Date.parse(stage.checkDeadline)).toBeGreaterThan(Date.parse(stage.checks[0].nextAt));
    expect(stage.checkedAt).toBe(new Date(clock).toISOString());
    await t.request('POST', `/api/v1/rollout-runs/${id}/abort`, { body: { reason: 'test over' } });
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.status === 'aborted', 'the abort').toBe(true);
      return r;
    }, WAIT);
  });

  it('refuses a second run on the same flag, naming the first', async () => {
    await t.request('POST', '/api/v1/apply', {
      body: {
        documents: [
          { ...plan('locked-flag'), name: 'First' },
          { ...plan('locked-flag'), name: 'Second' },
        ],
      },
    });
    const first = await t.request('POST', '/api/v1/rollouts/first/start', { body: {} });
    expect(first.status).toBe(201);
    const second = await t.request('POST', '/api/v1/rollouts/second/start', { body: {} });
    expect(second.status).toBe(409);
    expect(second.body.detail).toContain(first.body.id);
    await t.request('POST', `/api/v1/rollout-runs/${first.body.id}/abort`, { body: { reason: 'test over' } });
    await vi.waitFor(async () => {
      const r = await run(first.body.id);
      expect(r.status === 'aborted', 'the abort').toBe(true);
      return r;
    }, WAIT);
    expect((await t.request('POST', '/api/v1/rollouts/second/start', { body: {} })).status).toBe(201);
  });

  it('rolls the flag back to the version before the run on abort', async () => {
    const before = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      description: 'kept',
    };
    await t.request('PUT', '/api/v1/flags/rollback-flag', { body: { spec: before } });
    await t.request('POST', '/api/v1/apply', { body: { documents: [plan('rollback-flag')] } });
    const id = (await t.request('POST', '/api/v1/rollouts/release-rollback-flag/start', { body: {} })).body
      .id;
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].status === 'gating', 'the gate').toBe(true);
      return r;
    }, WAIT);
    await t.request('POST', `/api/v1/rollout-runs/${id}/approve`, {
      token: approver,
      body: { stage: 'enable_flag' },
    });
    await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.stages[0].weight === 25, '25%').toBe(true);
      return r;
    }, WAIT);
    await t.request('POST', `/api/v1/rollout-runs/${id}/abort`, { body: { reason: 'conversion dropped' } });
    const ended = await vi.waitFor(async () => {
      const r = await run(id);
      expect(r.status === 'aborted', 'the abort').toBe(true);
      return r;
    }, WAIT);
    expect(ended.reason).toMatch(/conversion dropped/);
    const flag = await t.request('GET', '/api/v1/flags/rollback-flag');
    expect(flag.body.spec).toEqual(before);
    expect(flag.body.metadata.version).toBe(3);
  });

  it('resumes a run in another control plane on the same database', async () => {
    const db: TestDatabase = await createTestDatabase(dialect);
    let a: TestServer | undefined = await startTestServer(dialect, { now, database: db });
    let b: TestServer | undefined;
    try {
      const pm = await a.token(['write'], 'pat', ['product_manager']);
      await a.request('POST', '/api/v1/apply', { body: { documents: [plan('durable-flag')] } });
      const id = (await a.request('POST', '/api/v1/rollouts/release-durable-flag/start', { body: {} })).body
        .id;
      await vi.waitFor(async () => {
        const r = await a!.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
        expect(r.stages[0].status === 'gating', 'the gate').toBe(true);
        return r;
      }, WAIT);
      await a.request('POST', `/api/v1/rollout-runs/${id}/approve`, {
        token: pm,
        body: { stage: 'enable_flag' },
      });
      await vi.waitFor(async () => {
        const r = await a!.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
        expect(r.stages[0].weight === 25, '25%').toBe(true);
        return r;
      }, WAIT);
      await a.close();
      a = undefined;
      clock += 30 * 60_000; // the timers fell due while no control plane ran
      b = await startTestServer(dialect, { now, database: db });
      // the overdue 25% step fired once on start: 100% now, held for its own 10 minutes
      await vi.waitFor(async () => {
        const r = await b!.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
        expect(r.stages[0].weight === 100, '100% after restart').toBe(true);
        return r;
      }, WAIT);
      clock += 10 * 60_000;
      b.server.rollouts.runtime.poke();
      const done = await vi.waitFor(async () => {
        const r = await b!.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
        expect(r.status === 'succeeded', 'success after restart').toBe(true);
        return r;
      }, WAIT);
      expect(done.stages[0].weight).toBe(100);
      const history = (await b.request('GET', `/api/v1/rollout-runs/${id}/history`)).body.items;
      const setFlags = history.filter(
        (e: any) => e.event.type === 'command_result' && /set_flag/.test(e.event.opId),
      );
      // each set_flag answered exactly once: nothing was applied twice
      expect(new Set(setFlags.map((e: any) => e.event.opId)).size).toBe(setFlags.length);
    } finally {
      await a?.close();
      await b?.close();
      await db.drop();
    }
  });
});
