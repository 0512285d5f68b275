/** The OutboxStore contract, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, inTransaction, migrate, openDatabase } from '../storage/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import type { OutboxRow } from './outbox-store.js';
import { createOutboxStore } from './outbox-store.kysely.js';

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T10:00:30.000Z';
const T2 = '2026-12-01T10:02:00.000Z';
const row = (key: string, over: Partial<OutboxRow> = {}): OutboxRow => ({
  key,
  notifier: 'hook',
  event: 'rollout.started',
  environment: 'dev',
  payload: JSON.stringify({ key }),
  status: 'pending',
  attempts: 0,
  nextAt: T0,
  lastError: null,
  createdAt: T0,
  deliveredAt: null,
  ...over,
});

describe.each(DIALECTS)('outbox store on %s', (dialect) => {
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

  it('keeps the first row of a key, and drops rows whose transaction rolls back', async () => {
    const store = createOutboxStore(handle.db);
    await store.enqueue([row('a.1'), row('a.2')]);
    await store.enqueue([row('a.1', { payload: 'replayed' })]);
    await expect(
      inTransaction(handle.db, async (trx) => {
        await createOutboxStore(trx).enqueue([row('a.3')]);
        throw new Error('the event failed');
      }),
    ).rejects.toThrow('the event failed');
    const recent = await store.recent('hook', 10);
    expect(recent.map((r) => r.key).sort()).toEqual(['a.1', 'a.2']);
    expect(recent.find((r) => r.key === 'a.1')?.payload).toBe(JSON.stringify({ key: 'a.1' }));
  });

  it('lets one claimer hold a due row, and another take it over once the claim ran out', async () => {
    const store = createOutboxStore(handle.db);
    await store.enqueue([row('b.1', { notifier: 'claims' }), row('b.2', { notifier: 'claims', nextAt: T2 })]);
    const [first, second] = await Promise.all([
      store.claimDue(T0, T1, 100),
      createOutboxStore(handle.db).claimDue(T0, T1, 100),
    ]);
    const keys = (rows: OutboxRow[]) => rows.map((r) => r.key).filter((k) => k.startsWith('b.'));
    // each due row is claimed by exactly one of the two; b.2 is not due yet
    expect([...keys(first), ...keys(second)].sort()).toEqual(['b.1']);
    expect(keys(await store.claimDue(T0, T1, 100))).toEqual([]);
    // the claimer died: after T1 its claim has run out
    expect(keys(await store.claimDue('2026-12-01T10:01:00.000Z', T2, 100))).toEqual(['b.1']);
  });

  it('counts delivered, retried and dead rows and keeps the last error', async () => {
    const store = createOutboxStore(handle.db);
    await store.enqueue([
      row('c.1', { notifier: 'count' }),
      row('c.2', { notifier: 'count' }),
      row('c.3', { notifier: 'count' }),
    ]);
    await store.delivered('c.1', T1);
    await store.failed('c.2', { attempts: 1, nextAt: T2, error: 'the receiver answered 503', dead: false });
    await store.failed('c.3', { attempts: 8, nextAt: T2, error: 'connection refused', dead: true });
    expect(await store.counts('count')).toEqual({ pending: 1, delivered: 1, dead: 1 });
    const dead = await store.recent('count', 10, 'dead');
    expect(dead).toMatchObject([{ key: 'c.3', attempts: 8, lastError: 'connection refused' }]);
    const delivered = (await store.recent('count', 10)).find((r) => r.key === 'c.1');
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: T1 });
    // a retried row is due again only at its next time
    expect((await store.claimDue(T1, T2, 100)).map((r) => r.key)).not.toContain('c.2');
    expect((await store.claimDue(T2, '2026-12-01T10:05:00.000Z', 100)).map((r) => r.key)).toContain('c.2');
  });

  it('prunes delivered and dead rows older than the retention, never pending ones', async () => {
    const store = createOutboxStore(handle.db);
    const old = '2026-11-01T00:00:00.000Z';
    await store.enqueue([
      row('d.1', { notifier: 'prune', createdAt: old }),
      row('d.2', { notifier: 'prune', createdAt: old }),
      row('d.3', { notifier: 'prune', createdAt: old }),
      row('d.4', { notifier: 'prune' }),
    ]);
    await store.delivered('d.1', T1);
    await store.failed('d.2', { attempts: 8, nextAt: T2, error: 'gone', dead: true });
    await store.delivered('d.4', T1);
    expect(await store.prune('2026-11-15T00:00:00.000Z')).toBe(2);
    expect((await store.recent('prune', 10)).map((r) => r.key).sort()).toEqual(['d.3', 'd.4']);
  });
});
