/** The SyncStore contract, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { createSyncStore } from './sync-store.kysely.js';

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T10:05:00.000Z';
const T2 = '2026-12-01T10:06:00.000Z';

describe.each(DIALECTS)('git sync store on %s', (dialect) => {
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

  it('gives a source to one replica at a time, and to another once the lease ran out or was released', async () => {
    const a = createSyncStore(handle.db);
    const b = createSyncStore(handle.db);
    const [gotA, gotB] = await Promise.all([
      a.claim('app', 'replica-a', T0, T1),
      b.claim('app', 'replica-b', T0, T1),
    ]);
    expect([gotA, gotB].filter(Boolean)).toHaveLength(1);
    const winner = gotA ? 'replica-a' : 'replica-b';
    const loser = gotA ? 'replica-b' : 'replica-a';
    expect(await a.claim('app', loser, T0, T1)).toBe(false);
    expect(await a.claim('app', loser, T2, T2)).toBe(true); // the winner died: its lease ran out
    await a.release('app', winner); // a late release by the old holder changes nothing
    expect(await a.claim('app', winner, T2, T2)).toBe(false);
    await a.release('app', loser);
    expect(await a.claim('app', winner, T2, T2)).toBe(true);
  });

  it('saves the state with its problems and drift, and reads it back', async () => {
    const store = createSyncStore(handle.db);
    await store.claim('state', 'r', T0, T1);
    expect(await store.get('state')).toMatchObject({
      status: 'never',
      commit: null,
      problems: [],
      drift: [],
    });
    const state = {
      source: 'state',
      status: 'failed',
      commit: 'a'.repeat(40),
      committedAt: T0,
      attemptedCommit: 'b'.repeat(40),
      problems: [{ file: 'deploy/x.yaml', line: 3, reason: 'bad' }],
      drift: ['Flag/dev/f: changed by admin'],
      checkedAt: T1,
    };
    await store.save(state);
    expect(await store.get('state')).toEqual(state);
  });

  it('keeps the first commit that wrote a resource version', async () => {
    const store = createSyncStore(handle.db);
    const row = {
      kind: 'Rollout',
      environment: 'dev',
      name: 'r',
      version: 2,
      source: 'app',
      commit: 'c'.repeat(40),
      committedAt: T0,
      appliedAt: T1,
    };
    await store.recordApplied([row]);
    await store.recordApplied([{ ...row, commit: 'd'.repeat(40) }]);
    expect(await store.appliedVersion('Rollout', 'dev', 'r', 2)).toEqual(row);
    expect(await store.appliedVersion('Rollout', 'dev', 'r', 3)).toBeNull();
  });
});
