/**
 * The databases every store and API suite runs on: SQLite in a temporary directory, and
 * PostgreSQL (TEST_DATABASE_URL, default the local `test` database) in a schema of its own per
 * run, so parallel runs never collide. PostgreSQL is never skipped: if it cannot be reached the
 * suite fails and says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  databaseUrl?: string;
  pgSchema?: string;
  drop(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export const DIALECTS = ['sqlite', 'postgres'] as const;

export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
  if (dialect === 'sqlite') {
    return { dialect, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(error as Error).message}); set TEST_DATABASE_URL`,
    );
  }
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    dialect,
    dataDir,
    databaseUrl: TEST_DATABASE_URL,
    pgSchema: schema,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
