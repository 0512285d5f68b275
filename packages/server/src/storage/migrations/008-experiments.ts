import type { Kysely } from 'kysely';

/**
 * A/B experiments: each experiment's run (who started, stopped or concluded it, and when), one
 * row per user and experiment (the arm of their first exposure and a tally of their events,
 * updated at ingest), one row per arm with the sums results are computed from, so results
 * never re-read events, and how far each experiment has read its MetricSource.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_experiment_run')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('experiment', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('started_by', 'text')
    .addColumn('stopped_at', 'text')
    .addColumn('stopped_by', 'text')
    .addColumn('concluded_at', 'text')
    .addColumn('concluded_by', 'text')
    .addPrimaryKeyConstraint('sluice_experiment_run_pk', ['environment', 'experiment'])
    .execute();
  await db.schema
    .createTable('sluice_experiment_user')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('experiment', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('arm', 'text')
    .addColumn('exposed_at', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_experiment_user_pk', ['environment', 'experiment', 'user_key'])
    .execute();
  await db.schema
    .createTable('sluice_experiment_arm')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('experiment', 'text', (c) => c.notNull())
    .addColumn('arm', 'text', (c) => c.notNull())
    .addColumn('users', 'integer', (c) => c.notNull())
    .addColumn('sums', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_experiment_arm_pk', ['environment', 'experiment', 'arm'])
    .execute();
  await db.schema
    .createTable('sluice_experiment_source')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('experiment', 'text', (c) => c.notNull())
    .addColumn('watermark', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_experiment_source_pk', ['environment', 'experiment'])
    .execute();
}
