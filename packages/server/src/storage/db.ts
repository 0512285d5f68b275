/**
 * Opens the database: PostgreSQL when a URL is given, else SQLite in the data directory.
 * SQLite runs in WAL mode with a busy timeout, and its transactions start with BEGIN IMMEDIATE
 * so two writers queue on the lock instead of failing when a read upgrades to a write.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqlite, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type ChangeBus, inProcessBus, postgresBus } from './change-bus.js';
import { type StorageHealth, storageHealth } from './health.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable location without credentials, for logs. */
  location: string;
  /** Changes every replica hears at once (token revocations). */
  bus: ChangeBus;
  /** Disk full, files lost: what `/readyz` reports. */
  health: StorageHealth;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… ; when absent, SQLite is used. */
  databaseUrl?: string | undefined;
  /** Directory for the SQLite file (created if missing). */
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate runs this way). */
  pgSchema?: string | undefined;
  /** SQLite file name, default sluice.db; ':memory:' for a private in-memory database. */
  sqliteFile?: string | undefined;
}

// node-postgres returns int8 (bigserial) as strings; ids here fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openDatabase(options: OpenOptions): DatabaseHandle {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.pgSchema);
  return openSqlite(options.dataDir, options.sqliteFile ?? 'sluice.db');
}

function openPostgres(url: string, schema: string | undefined): DatabaseHandle {
  const parsed = new URL(url);
  // libpq falls back to the OS user when the URL names none; node-postgres needs it said
  if (!parsed.username) parsed.username = process.env.PGUSER || process.env.USER || 'postgres';
  const connection: pg.ClientConfig = {
    connectionString: parsed.toString(),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  };
  const pool = new pg.Pool({ ...connection, max: 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may a checked-out one: the pool takes its own error listener off while a client is
  // lent out, and a connection lost then is an 'error' event with no listener (a crash) on top
  // of the failed query, which already carries the error to its caller.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const bus = postgresBus(connection, pool, schema);
  return {
    db,
    dialect: 'postgres',
    location: `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
    bus,
    health: storageHealth(),
    close: async () => {
      await bus.close();
      await db.destroy();
    },
  };
}

function openSqlite(dataDir: string, file: string): DatabaseHandle {
  const path = file === ':memory:' ? file : join(dataDir, file);
  if (file !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const native = new SqliteDatabase(path);
  native.pragma('journal_mode = WAL');
  native.pragma('busy_timeout = 10000');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: immediateTransactions(native) }),
  });
  const bus = inProcessBus();
  return {
    db,
    dialect: 'sqlite',
    location: path,
    bus,
    health: storageHealth(file === ':memory:' ? undefined : path),
    close: async () => {
      await bus.close();
      await db.destroy();
    },
  };
}

/** Kysely begins SQLite transactions with a deferred BEGIN; make them take the write lock at once. */
function immediateTransactions(native: SqliteDatabase.Database): KyselySqlite {
  const prepare = native.prepare.bind(native);
  return Object.assign(native, {
    prepare: (source: string) => prepare(/^\s*begin\s*$/i.test(source) ? 'begin immediate' : source),
  }) as unknown as KyselySqlite;
}
