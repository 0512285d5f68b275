/**
 * Runs pending migrations at start, all in one transaction, under a lock (PostgreSQL advisory
 * lock, SQLite BEGIN IMMEDIATE) so two processes starting together apply each migration once.
 */
import { type Kysely, sql } from 'kysely';
import type { DatabaseHandle } from './db.js';
import { migrations as allMigrations, type MigrationStep } from './migrations/index.js';

const LOCK_KEY = 727_001; // arbitrary, constant: the advisory lock for Sluice migrations

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(
  handle: DatabaseHandle,
  steps: MigrationStep[] = allMigrations,
): Promise<MigrationReport> {
  return handle.db.connection().execute(async (conn) => {
    const db = conn as unknown as Kysely<unknown>;
    await sql`${sql.raw(handle.dialect === 'sqlite' ? 'begin immediate' : 'begin')}`.execute(db);
    try {
      if (handle.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(db);
      await db.schema
        .createTable('sluice_migration')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      const done = await sql<{ name: string }>`select name from sluice_migration`.execute(db);
      const applied = new Set(done.rows.map((r) => r.name));
      const report: MigrationReport = { applied: [], alreadyApplied: applied.size };
      for (const step of steps) {
        if (applied.has(step.name)) continue;
        await step.up(db, handle.dialect);
        await sql`insert into sluice_migration (name, applied_at) values (${step.name}, ${new Date().toISOString()})`.execute(
          db,
        );
        report.applied.push(step.name);
      }
      await sql`commit`.execute(db);
      return report;
    } catch (error) {
      await sql`rollback`.execute(db).catch(() => {});
      throw error;
    }
  });
}

/** True when every known migration has been applied (for /readyz). */
export async function isMigrated(
  handle: DatabaseHandle,
  steps: MigrationStep[] = allMigrations,
): Promise<boolean> {
  const db = handle.db as unknown as Kysely<unknown>;
  const done = await sql<{ name: string }>`select name from sluice_migration`.execute(db);
  const applied = new Set(done.rows.map((r) => r.name));
  return steps.every((s) => applied.has(s.name));
}
