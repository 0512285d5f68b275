import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** Anything queries can run on: the database or an open transaction. Stores take one. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` in one transaction: every row it writes lands together or not at all.
 * Inside a transaction already, it joins it.
 */
export async function inTransaction<T>(
  db: Executor,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  // When a statement fails so badly that the database ends the transaction itself (SQLite on
  // SQLITE_FULL), the ROLLBACK that follows fails too; the caller gets the first, real cause.
  let failure: { error: unknown } | undefined;
  try {
    return await db.transaction().execute(async (trx) => {
      try {
        return await work(trx);
      } catch (error) {
        failure = { error };
        throw error;
      }
    });
  } catch (error) {
    if (failure !== undefined && failure.error !== error) throw failure.error;
    throw error;
  }
}
