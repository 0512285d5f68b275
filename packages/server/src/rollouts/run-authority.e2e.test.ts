/**
 * Issue 13, H3: a staging rollout rewrote production flags, even in emergency mode (a
 * feature_flag stage's `config.environment: "production"`, started by a `write:staging` token).
 * A run now carries its starter's authority (stored with it, read back after a restart): each
 * write is checked with it at apply, start and execution; emergency mode refuses a run's forward
 * writes and lets its rollback restore. On both databases, with the server's clock in the test's
 * hands.
 */
import { parsePlan } from '@sluice/core/rollouts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEmergencyStore } from '../flags/emergency/emergency-store.kysely.js';
import { migrate, openDatabase } from '../storage/index.js';
import { migrations } from '../storage/migrations/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const WAIT = { timeout: 10_000, interval: 20 };

/** A feature_flag stage walking 25% then 100%, ten minutes each; `environment` as the attack set it. */
const flagStage = (name: string, flag: string, environment?: string) => ({
  name,
  strategy: 'feature_flag',
  config: {
    flag_key: flag,
    progressive_rollout: true,
    rollout_stages: [
      { percentage: 25, duration_minutes: 10 },
      { percentage: 100, duration_minutes: 10 },
    ],
    ...(environment ? { environment } : {}),
  },
});
const plan = (name: string, stages: object[]) => ({ name, version: '2.0.0', max_duration_hours: 4, stages });
const ORIGINAL = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe.each(DIALECTS)('H3: a run writes only with its starter’s authority, on %s', (dialect) => {
  let t: TestServer;
  let clock = Date.parse('2026-12-03T10:00:00Z');
  const now = () => new Date(clock);
  let staging: string;
  const run = (id: string, server = t) =>
    server.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
  const prodFlag = (key: string, server = t) =>
    server.request('GET', `/api/v1/flags/${key}?environment=production`).then((r) => r.body);

  beforeAll(async () => {
    t = await startTestServer(dialect, { now });
    await t.request('PUT', '/api/v1/environments/staging', { body: { spec: {} } });
    staging = await t.token(['write:staging'], 'staging-dev');
  });
  afterAll(async () => t?.close());

  it('H3: a write:staging token can neither store nor start a staging plan that writes a production flag', async () => {
    await t.request('PUT', '/api/v1/flags/checkout?environment=production', { body: { spec: ORIGINAL } });
    const attack = plan('Xenv', [flagStage('flip', 'checkout', 'production')]);

    // the baseline the issue observed: a direct write is refused
    const direct = await t.request('PUT', '/api/v1/flags/checkout?environment=production', {
      token: staging,
      body: { spec: { ...ORIGINAL, defaultVariant: 'on' } },
    });
    expect(direct.status).toBe(403);

    // storing the plan: the stage's environment field is named
    const stored = await t.request('POST', '/api/v1/apply?environment=staging', {
      token: staging,
      body: { documents: [attack] },
    });
    expect(stored.status).toBe(403);
    expect(stored.body.code).toBe('FORBIDDEN');
    expect(stored.body.errors.map((f: { path: string }) => f.path)).toEqual([
      'documents[0].spec.stages[0].config.environment',
    ]);

    // an admin may store it; the staging token still may not start it
    expect(
      (await t.request('POST', '/api/v1/apply?environment=staging', { body: { documents: [attack] } }))
        .status,
    ).toBe(200);
    const started = await t.request('POST', '/api/v1/rollouts/xenv/start?environment=staging', {
      token: staging,
      body: {},
    });
    expect(started.status).toBe(403);
    expect(started.body.errors).toEqual([
      {
        path: 'spec.stages[0].config.environment',
        message: expect.stringMatching(/^stage "flip": .*"write" scope in environment "production"/),
      },
    ]);
    const runs = await t.request('GET', '/api/v1/rollout-runs?environment=staging&rollout=xenv');
    expect(runs.body.items).toEqual([]);
    const flag = await prodFlag('checkout');
    expect(flag.metadata.version).toBe(1);
    expect(flag.spec).toEqual(ORIGINAL);
  });

  it('H3: a run whose starter lacks the scope fails the stage at execution, with the reason, writing nothing', async () => {
    await t.request('PUT', '/api/v1/flags/pricing?environment=production', { body: { spec: ORIGINAL } });
    // a run stored before authority was recorded, or whose plan hid the write: the runtime's own check
    const record = await t.server.rollouts.runtime.start({
      rollout: 'legacy-xenv',
      environment: 'staging',
      rolloutVersion: 1,
      plan: parsePlan(plan('Legacy', [flagStage('flip', 'pricing', 'production')])),
      startedBy: 'staging-dev',
      authority: { kind: 'legacy', scopes: ['write:staging'] },
      locks: ['flag:production/pricing'],
    });
    const ended = await vi.waitFor(async () => {
      const r = await run(record.id);
      expect(['failed', 'rolled_back'].includes(r.status), 'the run to end').toBe(true);
      return r;
    }, WAIT);
    expect(ended.stages[0].error).toMatch(
      /stage "flip" \(config\.environment\): writing Flag "pricing" needs the "write" scope in environment "production"; the token has write:staging/,
    );
    const flag = await prodFlag('pricing');
    expect(flag.metadata.version).toBe(1);
    expect(flag.spec).toEqual(ORIGINAL);
    // the server answers on: a refusal is an outcome, not a crash
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });

  it('H3: emergency mode refuses even an admin run’s forward writes at start', async () => {
    await t.request('POST', '/api/v1/apply?environment=staging', {
      body: { documents: [plan('Admin Xenv', [flagStage('flip', 'banner', 'production')])] },
    });
    await t.request('POST', '/api/v1/environments/production/emergency-stop', { body: { reason: 'drill' } });
    try {
      const started = await t.request('POST', '/api/v1/rollouts/admin-xenv/start?environment=staging', {
        body: {},
      });
      expect(started.status).toBe(409);
      expect(started.body.code).toBe('ROLLOUT_START_REFUSED');
      expect(started.body.errors[0].path).toBe('spec.stages[0].config.environment');
      expect((await t.request('GET', '/api/v1/flags/banner?environment=production')).status).toBe(404);
    } finally {
      await t.request('POST', '/api/v1/environments/production/emergency-clear');
    }
  });

  it('lets a write:staging token run a plan in its own environment', async () => {
    await t.request('PUT', '/api/v1/flags/own?environment=staging', { body: { spec: ORIGINAL } });
    const own = await t.request('POST', '/api/v1/apply?environment=staging', {
      token: staging,
      body: { documents: [plan('Own', [flagStage('flip', 'own')])] },
    });
    expect(own.status).toBe(200);
    const started = await t.request('POST', '/api/v1/rollouts/own/start?environment=staging', {
      token: staging,
      body: {},
    });
    expect(started.status).toBe(201);
    await vi.waitFor(async () => {
      expect((await run(started.body.id)).stages[0].weight === 25, '25%').toBe(true);
    }, WAIT);
    const flag = (await t.request('GET', '/api/v1/flags/own?environment=staging')).body;
    expect(flag.metadata.updatedBy).toBe(`rollout:${started.body.id}`);
    await t.request('POST', `/api/v1/rollout-runs/${started.body.id}/abort`, { token: staging, body: {} });
    await vi.waitFor(async () => {
      expect((await run(started.body.id)).status === 'aborted', 'aborted').toBe(true);
    }, WAIT);
    expect((await t.request('GET', '/api/v1/flags/own?environment=staging')).body.spec).toEqual(ORIGINAL);
  });

  it('hides a run from a token that cannot read its environment: 404, as an id that does not exist', async () => {
    await t.request('PUT', '/api/v1/flags/prod-only?environment=production', { body: { spec: ORIGINAL } });
    await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [plan('Prod Only', [flagStage('flip', 'prod-only')])] },
    });
    const started = await t.request('POST', '/api/v1/rollouts/prod-only/start?environment=production', {
      body: {},
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const missing = await t.request('GET', '/api/v1/rollout-runs/no-such-run', { token: staging });
    expect(missing.status).toBe(404);
    for (const path of ['', '/history', '/explain']) {
      const seen = await t.request('GET', `/api/v1/rollout-runs/${id}${path}`, { token: staging });
      expect(seen.status, path).toBe(404);
      expect(seen.body.detail).toBe(`rollout run "${id}" does not exist`);
    }
    const abort = await t.request('POST', `/api/v1/rollout-runs/${id}/abort`, { token: staging, body: {} });
    expect(abort.status).toBe(404);
    expect((await run(id)).status).toBe('running');
    // a token that reads production but may not write there learns nothing new: 403, not 404
    const reader = await t.token(['read:production'], 'prod-reader');
    expect((await t.request('GET', `/api/v1/rollout-runs/${id}`, { token: reader })).status).toBe(200);
    const denied = await t.request('POST', `/api/v1/rollout-runs/${id}/abort`, { token: reader, body: {} });
    expect(denied.status).toBe(403);
    await t.request('POST', `/api/v1/rollout-runs/${id}/abort`, { body: { reason: 'test over' } });
  });

  it('lets an admin’s staging run write a production flag', async () => {
    await t.request('POST', '/api/v1/apply?environment=staging', {
      body: { documents: [plan('Admin Cross', [flagStage('flip', 'admin-cross', 'production')])] },
    });
    const started = await t.request('POST', '/api/v1/rollouts/admin-cross/start?environment=staging', {
      body: {},
    });
    expect(started.status).toBe(201);
    await vi.waitFor(async () => {
      expect((await run(started.body.id)).stages[0].weight === 25, '25%').toBe(true);
    }, WAIT);
    const flag = await prodFlag('admin-cross');
    expect(flag.metadata.updatedBy).toBe(`rollout:${started.body.id}`);
    // the flag is locked where the stage writes it: a production run on it waits
    await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [plan('Prod Same', [flagStage('flip', 'admin-cross')])] },
    });
    const second = await t.request('POST', '/api/v1/rollouts/prod-same/start?environment=production', {
      body: {},
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('ROLLOUT_RESOURCE_BUSY');
    await t.request('POST', `/api/v1/rollout-runs/${started.body.id}/abort`, { body: {} });
    await vi.waitFor(async () => {
      expect((await run(started.body.id)).status === 'aborted', 'aborted').toBe(true);
    }, WAIT);
  });

  it('H3: an emergency stop in production rolls back a staging run writing there, and the restore goes through', async () => {
    await t.request('PUT', '/api/v1/flags/promo?environment=production', { body: { spec: ORIGINAL } });
    const both = await t.token(['write:staging', 'write:production'], 'release-manager');
    await t.request('POST', '/api/v1/apply?environment=staging', {
      token: both,
      body: { documents: [plan('Promo', [flagStage('flip', 'promo', 'production')])] },
    });
    const id = (
      await t.request('POST', '/api/v1/rollouts/promo/start?environment=staging', { token: both, body: {} })
    ).body.id as string;
    await vi.waitFor(async () => {
      expect((await run(id)).stages[0].weight === 25, '25%').toBe(true);
    }, WAIT);
    expect((await prodFlag('promo')).metadata.version).toBe(2);
    await t.request('POST', '/api/v1/environments/production/emergency-stop', {
      body: { reason: 'incident' },
    });
    try {
      const ended = await vi.waitFor(async () => {
        const r = await run(id);
        expect(r.status === 'rolled_back', 'rolled back').toBe(true);
        return r;
      }, WAIT);
      expect(ended.reason).toMatch(/emergency: incident/);
      // restored by the run's rollback, with write:production only, in emergency mode
      const flag = await prodFlag('promo');
      expect(flag.spec).toEqual(ORIGINAL);
      expect(flag.metadata.updatedBy).toBe(`rollout:${id}`);
    } finally {
      await t.request('POST', '/api/v1/environments/production/emergency-clear');
    }
  });

  it('keeps the starter’s authority across a restart: a cross-environment run resumes and finishes', async () => {
    const db: TestDatabase = await createTestDatabase(dialect);
    let a: TestServer | undefined = await startTestServer(dialect, { now, database: db });
    let b: TestServer | undefined;
    try {
      await a.request('PUT', '/api/v1/environments/staging', { body: { spec: {} } });
      const both = await a.token(['write:staging', 'write:production'], 'release-manager');
      await a.request('POST', '/api/v1/apply?environment=staging', {
        token: both,
        body: { documents: [plan('Durable', [flagStage('flip', 'durable', 'production')])] },
      });
      const id = (
        await a.request('POST', '/api/v1/rollouts/durable/start?environment=staging', {
          token: both,
          body: {},
        })
      ).body.id as string;
      await vi.waitFor(async () => {
        expect((await run(id, a)).stages[0].weight === 25, '25%').toBe(true);
      }, WAIT);
      await a.close();
      a = undefined;
      clock += 30 * 60_000; // the next step fell due while no control plane ran
      b = await startTestServer(dialect, { now, database: db });
      // without the stored authority the resumed run would be held to staging and fail here
      await vi.waitFor(async () => {
        expect((await run(id, b)).stages[0].weight === 100, '100% after restart').toBe(true);
      }, WAIT);
      expect((await prodFlag('durable', b)).metadata.updatedBy).toBe(`rollout:${id}`);
      clock += 10 * 60_000;
      b.server.rollouts.runtime.poke();
      await vi.waitFor(async () => {
        expect((await run(id, b)).status === 'succeeded', 'success').toBe(true);
      }, WAIT);
      const stored = await b.server.database.db
        .selectFrom('sluice_rollout_run')
        .select('authority')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(stored.authority as string)).toEqual({
        kind: 'token',
        scopes: ['write:staging', 'write:production'],
      });
    } finally {
      await a?.close();
      await b?.close();
      await db.drop();
    }
  });

  it('H3: a run resumed in an environment stopped while no control plane ran writes nothing forward there, and rolls back', async () => {
    const db: TestDatabase = await createTestDatabase(dialect);
    let a: TestServer | undefined = await startTestServer(dialect, { now, database: db });
    let b: TestServer | undefined;
    try {
      await a.request('PUT', '/api/v1/flags/late?environment=production', { body: { spec: ORIGINAL } });
      await a.request('POST', '/api/v1/apply?environment=production', {
        body: { documents: [plan('Late', [flagStage('flip', 'late')])] },
      });
      const id = (await a.request('POST', '/api/v1/rollouts/late/start?environment=production', { body: {} }))
        .body.id as string;
      await vi.waitFor(async () => {
        expect((await run(id, a)).stages[0].weight === 25, '25%').toBe(true);
      }, WAIT);
      await a.close();
      a = undefined;
      // the stop is stored, but no control plane was there to roll the run back (killed at that instant)
      const handle = openDatabase({
        databaseUrl: db.databaseUrl,
        dataDir: db.dataDir,
        pgSchema: db.pgSchema,
      });
      await createEmergencyStore(handle.db).start({
        environment: 'production',
        reason: 'outage',
        startedBy: 'oncall',
        startedAt: new Date(clock).toISOString(),
      });
      await handle.close();
      clock += 10 * 60_000; // the 100% step is due: a forward write, started by an admin
      b = await startTestServer(dialect, { now, database: db });
      const ended = await vi.waitFor(async () => {
        const r = await run(id, b);
        expect(['rolled_back', 'failed'].includes(r.status), 'the run to end').toBe(true);
        return r;
      }, WAIT);
      expect(ended.stages[0].error ?? ended.reason).toMatch(/emergency mode \(outage\)/);
      const flag = await b.request('GET', '/api/v1/flags/late?environment=production').then((r) => r.body);
      expect(flag.spec).toEqual(ORIGINAL);
      const history = (await b.request('GET', `/api/v1/rollout-runs/${id}/history`)).body.items;
      const hundred = history.filter(
        (e: any) =>
          e.event.type === 'command_result' && e.event.ok === true && e.event.data?.percentage === 100,
      );
      expect(hundred).toEqual([]);
    } finally {
      await a?.close();
      await b?.close();
      await db.drop();
    }
  });

  it('gives runs stored before migration 013 their own environment as authority', async () => {
    const db: TestDatabase = await createTestDatabase(dialect);
    const handle = openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, pgSchema: db.pgSchema });
    try {
      const before = migrations.findIndex((m) => m.name === '013-run-authority');
      await migrate(handle, migrations.slice(0, before));
      await (handle.db as any)
        .insertInto('sluice_rollout_run')
        .values({
          id: 'old-run',
          rollout: 'old',
          environment: 'staging',
          rollout_version: 1,
          status: 'running',
          plan: '{}',
          state: '{}',
          seq: 1,
          started_by: 'someone',
          started_at: 't0',
          updated_at: 't0',
        })
        .execute();
      expect((await migrate(handle)).applied).toContain('013-run-authority');
      const row = await handle.db
        .selectFrom('sluice_rollout_run')
        .select('authority')
        .where('id', '=', 'old-run')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.authority as string)).toEqual({ kind: 'legacy', scopes: ['write:staging'] });
    } finally {
      await handle.close();
      await db.drop();
    }
  });
});
