import type { Kysely } from 'kysely';

/**
 * Release history: one row per rollout run, kept up to date in the transaction of each of the
 * run's events (rollouts/run-journal.ts), so history and DORA figures never disagree with the
 * runs. `services` is a JSON array (a plan may move several); `full_at` is when the release
 * first reached 100 % of traffic or flag share.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_release')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('rollout', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('rollout_version', 'integer', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('full_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('rollback_reason', 'text')
    .execute();
  await db.schema
    .createIndex('sluice_release_env_started')
    .on('sluice_release')
    .columns(['environment', 'started_at'])
    .execute();
}
