import type { Kysely } from 'kysely';

/**
 * Events are pruned by arrival time (tracking/retention.ts): the index keeps each hourly prune a
 * range scan rather than a walk through every event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('sluice_event_received_at').on('sluice_event').column('received_at').execute();
}
