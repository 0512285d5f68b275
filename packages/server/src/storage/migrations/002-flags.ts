import type { Kysely } from 'kysely';

/** Kill switches, emergency state, and a per-environment generation that moves with every flag change. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_flag_kill')
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('killed_by', 'text', (c) => c.notNull())
    .addColumn('killed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_flag_kill_pk', ['environment', 'flag'])
    .execute();
  await db.schema
    .createTable('sluice_emergency')
    .addColumn('environment', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sluice_flag_generation')
    .addColumn('environment', 'text', (c) => c.primaryKey())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .execute();
}
