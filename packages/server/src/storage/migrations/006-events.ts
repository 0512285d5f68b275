import type { Kysely } from 'kysely';

/**
 * Business events sent to `POST /api/v1/events` (page views, bounces, conversions). The id is
 * the key, so a replayed batch inserts nothing; the index serves the events metric provider's
 * count of one version's events by name over a time window.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_event')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('sent_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sluice_event_version_time')
    .on('sluice_event')
    .columns(['environment', 'version', 'time'])
    .execute();
}
