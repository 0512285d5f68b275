import type { Kysely } from 'kysely';

/**
 * One row naming this installation. The SQLite data directory keeps the same id in a file
 * beside the database, so a start that finds the file but a database without the id (its WAL or
 * file deleted or replaced) stops with DATABASE_LOST instead of starting afresh (storage/install.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sluice_install')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
