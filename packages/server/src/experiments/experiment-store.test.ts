/** The ExperimentStore contract, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, inTransaction, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import type { StoredUser } from './experiment-store.js';
import { createExperimentStore } from './experiment-store.kysely.js';

describe.each(DIALECTS)('experiment store on %s', (dialect) => {
  let db: TestDatabase;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    handle = openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, pgSchema: db.pgSchema });
    await migrate(handle);
  });
  afterAll(async () => {
    await handle?.close();
    await db?.drop();
  });

  it('reads back the users it wrote, replaces them, and keeps experiments and environments apart', async () => {
    const store = createExperimentStore(handle.db);
    await store.saveUsers(
      'dev',
      'e',
      new Map<string, StoredUser>([
        ['u1', { arm: 'control', exposedAt: '2026-01-01T00:00:00.000Z', events: { conversion: [1, 0] } }],
        ['u2', { arm: null, exposedAt: null, events: { purchase: [2, 30.5] } }],
      ]),
    );
    await store.saveUsers(
      'dev',
      'e',
      new Map([
        ['u2', { arm: 'variant_a', exposedAt: '2026-01-02T00:00:00.000Z', events: { purchase: [3, 40.5] } }],
      ]),
    );
    const users = await store.users('dev', 'e', ['u1', 'u2', 'u3']);
    expect([...users.keys()].sort()).toEqual(['u1', 'u2']);
    expect(users.get('u2')).toEqual({
      arm: 'variant_a',
      exposedAt: '2026-01-02T00:00:00.000Z',
      events: { purchase: [3, 40.5] },
    });
    expect((await store.users('prod', 'e', ['u1'])).size).toBe(0);
    expect((await store.users('dev', 'other', ['u1'])).size).toBe(0);
  });

  it('writes arm sums, records the first start only, and forgets everything of a deleted experiment', async () => {
    const store = createExperimentStore(handle.db);
    await store.saveArms(
      'dev',
      'e',
      new Map([['control', { users: 2, sums: { 'conversion:u': 1 } }]]),
      new Date(),
    );
    await store.saveArms(
      'dev',
      'e',
      new Map([['control', { users: 3, sums: { 'conversion:u': 2 } }]]),
      new Date(),
    );
    expect(await store.arms('dev', 'e')).toEqual(
      new Map([['control', { users: 3, sums: { 'conversion:u': 2 } }]]),
    );
    expect(await store.run('dev', 'e')).toBeNull();
    await store.recordTransition('dev', 'e', 'started', 'alice', new Date('2026-01-01T00:00:00Z'));
    await store.recordTransition('dev', 'e', 'started', 'bob', new Date('2026-01-05T00:00:00Z'));
    await store.recordTransition('dev', 'e', 'stopped', 'carol', new Date('2026-01-09T00:00:00Z'));
    expect(await store.run('dev', 'e')).toEqual({
      startedAt: '2026-01-01T00:00:00.000Z',
      startedBy: 'alice',
      stoppedAt: '2026-01-09T00:00:00.000Z',
      stoppedBy: 'carol',
      concludedAt: null,
      concludedBy: null,
    });
    await store.forget('dev', 'e');
    expect(await store.run('dev', 'e')).toBeNull();
    expect((await store.arms('dev', 'e')).size).toBe(0);
    expect((await store.users('dev', 'e', ['u1', 'u2'])).size).toBe(0);
  });

  it('serialises writers of one experiment inside transactions', async () => {
    // two transactions that both read-modify-write the arm sums must not lose an update
    const bump = () =>
      inTransaction(handle.db, async (trx) => {
        const store = createExperimentStore(trx);
        await store.lock('dev', ['race']);
        const arms = await store.arms('dev', 'race');
        const users = (arms.get('control')?.users ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 20));
        await store.saveArms('dev', 'race', new Map([['control', { users, sums: {} }]]), new Date());
      });
    await Promise.all([bump(), bump(), bump()]);
    expect((await createExperimentStore(handle.db).arms('dev', 'race')).get('control')?.users).toBe(3);
  });
});
