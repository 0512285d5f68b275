/** sluice_event: insert-once by id (replays change nothing), counts by name over a window. */
import type { Transaction } from 'kysely';
import type { Database, Executor } from '../storage/index.js';
import { inTransaction } from '../storage/index.js';
import type { EventInput } from './event.schema.js';

// 9 parameters a row: 400 rows stay far below SQLite's and PostgreSQL's parameter limits
const ROWS_PER_STATEMENT = 400;

export interface StoredCount {
  stored: number;
  duplicates: number;
}

/** Runs in the insert's transaction with the events it stored (not the replays). */
export type AfterStore = (trx: Transaction<Database>, stored: EventInput[]) => Promise<void>;

export interface EventStore {
  /**
   * Stores the events not seen before (by id), in one transaction. Events naming an experiment
   * that were stored go to `afterStore` in that transaction, so a replay is never counted twice.
   */
  insert(
    environment: string,
    events: EventInput[],
    receivedAt: Date,
    sentBy: string,
    afterStore?: AfterStore,
  ): Promise<StoredCount>;
  /** Events of one version per name with `from < time <= to`. */
  countByName(environment: string, version: string, from: Date, to: Date): Promise<Record<string, number>>;
  /** Deletes up to `limit` events received before `before` (retention); returns how many went. */
  pruneReceivedBefore(before: Date, limit: number): Promise<number>;
}

/** The read model other slices get: counts only (the `events` metric provider). */
export type EventCounts = Pick<EventStore, 'countByName'>;

export function createEventStore(db: Executor): EventStore {
  return {
    async insert(environment, events, receivedAt, sentBy, afterStore) {
      // the same id twice in one batch is a replay too: keep the first; inserting in id order
      // keeps two concurrent batches that share ids from waiting on each other in a cycle
      const seen = new Set<string>();
      const unique = events
        .filter((e) => !seen.has(e.id) && seen.add(e.id))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const at = receivedAt.toISOString();
      let stored = 0;
      await inTransaction(db, async (trx) => {
        const counted: EventInput[] = [];
        for (let i = 0; i < unique.length; i += ROWS_PER_STATEMENT) {
          const chunk = unique.slice(i, i + ROWS_PER_STATEMENT);
          const rows = chunk.map((e) => ({
            id: e.id,
            environment,
            version: e.version ?? '',
            name: e.name,
            user_key: e.user,
            time: new Date(e.time).toISOString(),
            // kept for the CUPED pre-period of sum metrics (experiments' covariates)
            value: e.value ?? null,
            received_at: at,
            sent_by: sentBy,
          }));
          const insert = trx
            .insertInto('sluice_event')
            .values(rows)
            .onConflict((oc) => oc.column('id').doNothing());
          if (afterStore && chunk.some((e) => e.experiment !== undefined)) {
            // RETURNING gives the rows inserted, not the replays
            const ids = new Set((await insert.returning('id').execute()).map((r) => r.id));
            stored += ids.size;
            for (const e of chunk) if (e.experiment !== undefined && ids.has(e.id)) counted.push(e);
          } else {
            const result = await insert.executeTakeFirst();
            stored += Number(result.numInsertedOrUpdatedRows ?? 0);
          }
        }
        if (afterStore && counted.length) await afterStore(trx, counted);
      });
      return { stored, duplicates: events.length - stored };
    },

    async countByName(environment, version, from, to) {
      const rows = await db
        .selectFrom('sluice_event')
        .select((eb) => ['name', eb.fn.countAll<number | string>().as('count')])
        .where('environment', '=', environment)
        .where('version', '=', version)
        .where('time', '>', from.toISOString())
        .where('time', '<=', to.toISOString())
        .groupBy('name')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.name, Number(r.count)]));
    },

    async pruneReceivedBefore(before, limit) {
      // in slices, so a large backlog never holds the write lock for long
      const result = await db
        .deleteFrom('sluice_event')
        .where(
          'id',
          'in',
          db
            .selectFrom('sluice_event')
            .select('id')
            .where('received_at', '<', before.toISOString())
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
