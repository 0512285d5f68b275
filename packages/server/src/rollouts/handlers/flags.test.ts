/**
 * The set_flag / restore_flag handlers against a real store: a replay finds its own write in the
 * rollout's table, a rollback finds the spec it replaced there, and runs stored before that table
 * existed (their op in the flag's metadata) still replay and roll back.
 */
import type { CommandOf } from '@sluice/core/rollouts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { flagHandlers } from './flags.js';

const run = {
  runId: 'run-1',
  rollout: 'r',
  environment: 'development',
  startedBy: 'pat',
  authority: { kind: 'token' as const, scopes: ['write:development'] },
};
const flag = (percentage: number) => ({
  state: 'ENABLED' as const,
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: {
    fractional: [
      ['on', percentage],
      ['off', 100 - percentage],
    ],
  },
});
const setFlag = (opId: string, percentage: number) =>
  ({
    kind: 'set_flag',
    opId,
    flagKey: 'f',
    flag: flag(percentage),
    percentage,
  }) as unknown as CommandOf<'set_flag'>;

describe.each(DIALECTS)('rollout flag handlers on %s', (dialect) => {
  let t: TestServer;
  let handlers: ReturnType<typeof flagHandlers>;
  const stored = async () => (await t.request('GET', '/api/v1/flags/f')).body;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    handlers = flagHandlers({
      db: t.server.database.db,
      resources: t.server.resources,
      registry: t.server.resources.registry,
    });
  });
  afterAll(async () => t?.close());

  it('records the write beside the run: a replay writes nothing, the flag carries no bookkeeping', async () => {
    const original = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      description: 'kept',
    };
    await t.request('PUT', '/api/v1/flags/f', { body: { spec: original } });
    expect(await handlers.set_flag(setFlag('op-10', 10), run)).toEqual({
      ok: true,
      data: { previousVersion: 1, version: 2, percentage: 10 },
    });
    expect(await handlers.set_flag(setFlag('op-10', 10), run)).toEqual({
      ok: true,
      data: { previousVersion: 1, replayed: true },
    });
    expect(await handlers.set_flag(setFlag('op-50', 50), run)).toMatchObject({
      data: { previousVersion: 2, version: 3 },
    });
    const now = await stored();
    expect(now.metadata.version).toBe(3);
    expect(now.spec.metadata).toBeUndefined();
    expect(now.spec.description).toBe('kept');

    // the rollback puts back version 1's spec, from the run's own record
    expect(
      await handlers.restore_flag(
        { kind: 'restore_flag', opId: 'op-back', flagKey: 'f', toVersion: 1 } as never,
        run,
      ),
    ).toEqual({
      ok: true,
      data: { restoredFrom: 1, version: 4 },
    });
    expect((await stored()).spec).toEqual(original);
  });

  it('keeps runs stored before the write table working: their op in the flag metadata, their spec in the audit log', async () => {
    const legacy = { ...flag(25), metadata: { 'sluice.rolloutOp': 'old-op', 'sluice.previousVersion': 4 } };
    await t.request('PUT', '/api/v1/flags/f', { body: { spec: legacy } });
    const version = (await stored()).metadata.version;
    expect(await handlers.set_flag(setFlag('old-op', 25), { ...run, runId: 'old-run' })).toEqual({
      ok: true,
      data: { previousVersion: 4, replayed: true },
    });
    expect((await stored()).metadata.version).toBe(version);
    // version 4 was written by the first test's rollback; this run has no record of it
    const back = await handlers.restore_flag(
      { kind: 'restore_flag', opId: 'old-back', flagKey: 'f', toVersion: 4 } as never,
      { ...run, runId: 'old-run' },
    );
    expect(back).toMatchObject({ ok: true, data: { restoredFrom: 4 } });
    expect((await stored()).spec.description).toBe('kept');
  });
});
