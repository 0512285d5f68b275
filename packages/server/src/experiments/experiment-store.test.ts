/** The ExperimentStore contract, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, inTransaction, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { createEventStore } from '../tracking/event-store.js';
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
      pre: null,
    });
    await store.saveUsers(
      'dev',
      'e',
      new Map([['u1', { ...(users.get('u1') as StoredUser), pre: { purchase: [2, 19.5] } }]]),
    );
    expect((await store.users('dev', 'e', ['u1'])).get('u1')?.pre).toEqual({ purchase: [2, 19.5] });
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

  it("tallies each user's events of the named metrics in their own pre-period window, in SQL", async () => {
    let id = 0;
    const event = (user: string, name: string, time: string, value?: number) => ({
      id: `pre-${id++}`,
      user,
      name,
      time,
      ...(value === undefined ? {} : { value }),
    });
    await createEventStore(handle.db).insert(
      'dev',
      [
        event('a', 'purchase', '2026-02-01T00:00:00.000Z', 10), // the window's first instant: in
        event('a', 'purchase', '2026-02-05T12:00:00.000Z', 2.5),
        event('a', 'purchase', '2026-02-10T00:00:00.000Z', 99), // the exposure's instant: out
        event('a', 'purchase', '2026-01-31T23:59:59.999Z', 99), // before the window: out
        event('a', 'page_view', '2026-02-03T00:00:00.000Z'),
        event('a', 'signup', '2026-02-03T00:00:00.000Z'), // a name no metric reads
        event('b', 'page_view', '2026-03-01T00:00:00.000Z'),
        event('b', 'page_view', '2026-03-02T00:00:00.000Z'),
        event('b', 'purchase', '2026-02-05T00:00:00.000Z', 7), // a's window, not b's
        event('c', 'signup', '2026-02-05T00:00:00.000Z'),
      ],
      new Date(),
      'test',
    );
    await createEventStore(handle.db).insert(
      'prod',
      [event('a', 'purchase', '2026-02-05T00:00:00.000Z', 1000)],
      new Date(),
      'test',
    );
    const store = createExperimentStore(handle.db);
    const got = await store.preExposure(
      'dev',
      ['purchase', 'page_view'],
      [
        { user: 'a', from: '2026-02-01T00:00:00.000Z', to: '2026-02-10T00:00:00.000Z' },
        { user: 'b', from: '2026-02-20T00:00:00.000Z', to: '2026-03-06T00:00:00.000Z' },
        { user: 'c', from: '2026-02-01T00:00:00.000Z', to: '2026-02-10T00:00:00.000Z' },
      ],
    );
    expect(got).toEqual(
      new Map([
        ['a', { purchase: [2, 12.5], page_view: [1, 0] }],
        ['b', { page_view: [2, 0] }],
      ]),
    );
    expect((await store.preExposure('dev', [], [{ user: 'a', from: '', to: 'z' }])).size).toBe(0);
  });
});
