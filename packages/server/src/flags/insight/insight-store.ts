/** sluice_flag_evaluation: per-day counters, added to (never overwritten) by every replica's flush. */
import { sql } from 'kysely';
import { type Executor, inTransaction } from '../../storage/index.js';

export interface CounterDelta {
  environment: string;
  flag: string;
  variant: string;
  count: number;
}

const ROWS_PER_STATEMENT = 500; // 6 parameters a row stays far below SQLite's variable limit

export function createInsightStore(db: Executor) {
  return {
    /** Adds the deltas to the day's buckets, all in one transaction. */
    async add(deltas: CounterDelta[], day: string, at: string): Promise<void> {
      if (!deltas.length) return;
      await inTransaction(db, async (trx) => {
        for (let i = 0; i < deltas.length; i += ROWS_PER_STATEMENT) {
          const rows = deltas.slice(i, i + ROWS_PER_STATEMENT).map((d) => ({
            environment: d.environment,
            flag: d.flag,
            variant: d.variant,
            count: d.count,
            day,
            last_at: at,
          }));
          await trx
            .insertInto('sluice_flag_evaluation')
            .values(rows)
            .onConflict((oc) =>
              oc.columns(['environment', 'flag', 'variant', 'day']).doUpdateSet({
                count: sql`sluice_flag_evaluation.count + excluded.count`,
                last_at: sql`case when excluded.last_at > sluice_flag_evaluation.last_at then excluded.last_at else sluice_flag_evaluation.last_at end`,
              }),
            )
            .execute();
        }
      });
    },

    async buckets(environment: string, fromDay: string) {
      const rows = await db
        .selectFrom('sluice_flag_evaluation')
        .select(['flag', 'variant', 'day', 'count'])
        .where('environment', '=', environment)
        .where('day', '>=', fromDay)
        .execute();
      return rows.map((r) => ({ flag: r.flag, variant: r.variant, day: r.day, count: Number(r.count) }));
    },

    /** Per flag: first day with evaluations and last evaluation time. */
    async history(environment: string): Promise<Map<string, { firstDay: string; lastAt: string }>> {
      const rows = await db
        .selectFrom('sluice_flag_evaluation')
        .select((eb) => ['flag', eb.fn.min('day').as('firstDay'), eb.fn.max('last_at').as('lastAt')])
        .where('environment', '=', environment)
        .groupBy('flag')
        .execute();
      return new Map(rows.map((r) => [r.flag, { firstDay: String(r.firstDay), lastAt: String(r.lastAt) }]));
    },
  };
}
