import type { Kysely } from 'kysely';

/**
 * Rollout runs: the run (with its current state, derivable from the events), the append-only
 * event log, the commands each event asked for (applied at most once, by op id), durable
 * timers, and locks that keep one active run per Service and per flag.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_rollout_run')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rollout', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('rollout_version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sluice_rollout_run_rollout')
    .on('sluice_rollout_run')
    .columns(['environment', 'rollout'])
    .execute();
  await db.schema
    .createIndex('sluice_rollout_run_status')
    .on('sluice_rollout_run')
    .column('status')
    .execute();
  await db.schema
    .createTable('sluice_rollout_event')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('transitions', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_rollout_event_pk', ['run_id', 'seq'])
    .execute();
  await db.schema
    .createTable('sluice_rollout_op')
    .addColumn('op_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sluice_rollout_op_run')
    .on('sluice_rollout_op')
    .columns(['run_id', 'status'])
    .execute();
  await db.schema
    .createTable('sluice_rollout_timer')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('timer_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_rollout_timer_pk', ['run_id', 'timer_id'])
    .execute();
  await db.schema
    .createIndex('sluice_rollout_timer_due')
    .on('sluice_rollout_timer')
    .column('due_at')
    .execute();
  await db.schema
    .createTable('sluice_rollout_lock')
    .addColumn('resource', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .execute();
}
