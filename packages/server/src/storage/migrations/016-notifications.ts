import type { Kysely } from 'kysely';

/**
 * The notifications outbox: one row per notice and Notifier, written in the transaction of the
 * event it announces (rollouts/run-journal.ts). The key is the idempotency key the receiver
 * sees; a replica claims a row until `claimed_until` before sending it, so the rows are sent by
 * one replica at a time and a killed one's claim simply runs out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_notification_outbox')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('notifier', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema
    .createIndex('sluice_notification_outbox_due')
    .on('sluice_notification_outbox')
    .columns(['status', 'next_at'])
    .execute();
  await db.schema
    .createIndex('sluice_notification_outbox_notifier')
    .on('sluice_notification_outbox')
    .columns(['notifier', 'status'])
    .execute();
}
