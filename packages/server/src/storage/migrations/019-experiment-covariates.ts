import type { Kysely } from 'kysely';

/**
 * CUPED (issue 15): an experiment's covariate is each user's events in a pre-period before their
 * first exposure, read from `sluice_event` when the exposure is counted. Events keep their
 * `value` (sum metrics' covariate), an index finds one user's events by time, and the user's row
 * keeps the pre-period tallies it read (null: not read, CUPED off).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sluice_event').addColumn('value', 'double precision').execute();
  await db.schema
    .createIndex('sluice_event_user_time')
    .on('sluice_event')
    .columns(['environment', 'user_key', 'time'])
    .execute();
  await db.schema.alterTable('sluice_experiment_user').addColumn('pre_events', 'text').execute();
}
