import type { Kysely } from 'kysely';

/** Scheduled flag changes: rows the server's timer claims and runs once, even across restarts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_flag_schedule')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('applied_version', 'integer')
    .execute();
  await db.schema
    .createIndex('sluice_flag_schedule_due')
    .on('sluice_flag_schedule')
    .columns(['status', 'at'])
    .execute();
}
