import type { Kysely } from 'kysely';

/** Evaluation counters per environment, flag, variant and UTC day (stale-flag detection). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_flag_evaluation')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_flag_evaluation_pk', ['environment', 'flag', 'variant', 'day'])
    .execute();
}
