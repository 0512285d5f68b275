import type { Kysely } from 'kysely';

/**
 * GitOps: each GitSource's sync state (the commit in force, the last attempt and why it failed,
 * drift, and the lease one replica holds while it syncs), and which commit wrote which version
 * of which resource (the commit recorded on every resource it applied).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_git_sync')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('commit', 'text')
    .addColumn('committed_at', 'text')
    .addColumn('attempted_commit', 'text')
    .addColumn('error', 'text')
    .addColumn('drift', 'text')
    .addColumn('synced_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .execute();
  await db.schema
    .createTable('sluice_git_applied')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('commit', 'text', (c) => c.notNull())
    .addColumn('committed_at', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sluice_git_applied_pk', ['kind', 'environment', 'name', 'version'])
    .execute();
}
