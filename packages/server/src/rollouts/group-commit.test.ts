/**
 * Group commit, on SQLite and PostgreSQL: work submitted together shares one transaction and
 * one batch context; when one piece fails, only that piece fails and leaves nothing behind.
 */
import type { Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../storage/index.js';
import type { Database } from '../storage/schema.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { GroupCommit } from './group-commit.js';

describe.each(DIALECTS)('group commit on %s', (dialect) => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;

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
    await handle.close();
    await testDb.drop();
  });

  const locks = async () =>
    (await handle.db.selectFrom('sluice_rollout_lock').select('resource').orderBy('resource').execute()).map(
      (r) => r.resource,
    );

  it('shares one transaction among work submitted together; a failing piece fails alone', async () => {
    const opened: string[][] = [];
    const closed: string[][] = [];
    const commits = new GroupCommit<
      string,
      { trx: Transaction<Database>; keys: string[]; written: string[] }
    >(handle.db, {
      maxBatch: 64,
      maxConcurrent: 1,
      context: {
        open: async (trx, keys) => {
          opened.push(keys);
          return { trx, keys, written: [] as string[] };
        },
        close: async (c) => {
          closed.push(c.written);
        },
      },
    });
    const take = (resource: string) =>
      commits.run(resource, async ({ trx, written }) => {
        await trx.insertInto('sluice_rollout_lock').values({ resource, run_id: 'r' }).execute();
        written.push(resource);
        return resource;
      });

    await expect(Promise.all([take('a'), take('b'), take('c')])).resolves.toEqual(['a', 'b', 'c']);
    expect(opened).toEqual([['a', 'b', 'c']]);
    expect(closed).toEqual([['a', 'b', 'c']]);

    // 'b' is taken already: its batch rolls back, then each piece runs on its own
    const results = await Promise.allSettled([take('d'), take('b'), take('e')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await locks()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(opened[1]).toEqual(['d', 'b', 'e']);
    expect(opened.slice(2).sort()).toEqual([['b'], ['d'], ['e']]);
  });
});
