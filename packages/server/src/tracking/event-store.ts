/** sluice_event: insert-once by id (replays change nothing), counts by name over a window. */
import type { Executor } from '../storage/index.js';
import { inTransaction } from '../storage/index.js';
import type { EventInput } from './event.schema.js';

// 8 parameters a row: 400 rows stay far below SQLite's and PostgreSQL's parameter limits
const ROWS_PER_STATEMENT = 400;

export interface StoredCount {
  stored: number;
  duplicates: number;
}

export interface EventStore {
  /** Stores the events not seen before (by id), in one transaction. */
  insert(environment: string, events: EventInput[], receivedAt: Date, sentBy: string): Promise<StoredCount>;
  /** Events of one version per name with `from < time <= to`. */
  countByName(environment: string, version: string, from: Date, to: Date): Promise<Record<string, number>>;
}

/** The read model other slices get: counts only (the `events` metric provider). */
export type EventCounts = Pick<EventStore, 'countByName'>;

export function createEventStore(db: Executor): EventStore {
  return {
    async insert(environment, events, receivedAt, sentBy) {
      // the same id twice in one batch is a replay too: keep the first
      const seen = new Set<string>();
      const unique = events.filter((e) => !seen.has(e.id) && seen.add(e.id));
      const at = receivedAt.toISOString();
      let stored = 0;
      await inTransaction(db, async (trx) => {
        for (let i = 0; i < unique.length; i += ROWS_PER_STATEMENT) {
          const rows = unique.slice(i, i + ROWS_PER_STATEMENT).map((e) => ({
            id: e.id,
            environment,
            version: e.version,
            name: e.name,
            user_key: e.user,
            time: new Date(e.time).toISOString(),
            received_at: at,
            sent_by: sentBy,
          }));
          const result = await trx
            .insertInto('sluice_event')
            .values(rows)
            .onConflict((oc) => oc.column('id').doNothing())
            .executeTakeFirst();
          stored += Number(result.numInsertedOrUpdatedRows ?? 0);
        }
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
  };
}
