import type { Kysely } from 'kysely';

/**
 * What a rollout's `set_flag` wrote: which op, which version it wrote, and the version (and spec)
 * it replaced, recorded in the same transaction as the write. Replays find their op here and a
 * rollback finds the spec to put back, so nothing of the rollout's is kept in the flag itself.
 * (Numbered 010: two branches in flight each add an 008.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_rollout_flag_write')
    .addColumn('op_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('previous_version', 'integer')
    .addColumn('previous_spec', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sluice_rollout_flag_write_flag')
    .on('sluice_rollout_flag_write')
    .columns(['run_id', 'environment', 'flag'])
    .execute();
}
