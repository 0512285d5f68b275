/** The ReleaseStore contract, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import type { ReleaseRecord } from './release-store.js';
import { createReleaseStore } from './release-store.kysely.js';

const release = (runId: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  runId,
  rollout: 'checkout',
  environment: 'production',
  rolloutVersion: 1,
  plan: 'Checkout',
  version: '1.0.0',
  services: ['api_service', 'flag:checkout'],
  status: 'running',
  startedBy: 'ci',
  approvedBy: [],
  startedAt: '2026-12-01T10:00:00.000Z',
  fullAt: null,
  endedAt: null,
  rollbackReason: null,
  ...over,
});

describe.each(DIALECTS)('release store on %s', (dialect) => {
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

  it('replaces a run’s record as it moves, and reads it back whole', async () => {
    const store = createReleaseStore(handle.db);
    await store.put(release('r1'));
    const ended = release('r1', {
      status: 'rolled_back',
      approvedBy: ['pat', 'sam'],
      endedAt: '2026-12-01T10:30:00.000Z',
      rollbackReason: 'error_rate 0.09 above 0.05',
    });
    await store.put(ended);
    expect(await store.get('r1')).toEqual(ended);
    expect(await store.get('nope')).toBeNull();
  });

  it('lists newest first, by environment, service (exactly) and start time', async () => {
    const store = createReleaseStore(handle.db);
    await store.put(release('r2', { startedAt: '2026-12-02T10:00:00.000Z' }));
    await store.put(release('r3', { startedAt: '2026-12-03T10:00:00.000Z', environment: 'staging' }));
    await store.put(release('r4', { startedAt: '2026-12-04T10:00:00.000Z', services: ['api'] }));
    const ids = (rows: ReleaseRecord[]) => rows.map((r) => r.runId);
    expect(ids(await store.list({ environment: 'production', limit: 10 }))).toEqual(['r4', 'r2', 'r1']);
    expect(ids(await store.list({ service: 'api', limit: 10 }))).toEqual(['r4']);
    expect(ids(await store.list({ service: 'api_service', limit: 10 }))).toEqual(['r3', 'r2', 'r1']);
    expect(ids(await store.list({ since: '2026-12-02T00:00:00.000Z', limit: 2 }))).toEqual(['r4', 'r3']);
  });
});
