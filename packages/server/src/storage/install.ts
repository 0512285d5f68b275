/**
 * Tells a fresh install from a lost database (issue 13, L3). The first start stores an id in
 * `sluice_install` and in `<dataDir>/install-id`; a later start that finds the file but not the
 * same id in the database — the database file or its WAL was deleted or replaced — refuses to
 * start with DATABASE_LOST rather than carry on as a new, empty installation.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { DatabaseHandle } from './db.js';
import { DatabaseLost } from './errors.js';
import { inTransaction } from './transaction.js';

export const INSTALL_ID_FILE = 'install-id';
const INSTALL_LOCK_KEY = 727_012; // arbitrary, constant: the advisory lock for the installation row

export async function checkInstallIdentity(database: DatabaseHandle, dataDir: string): Promise<string> {
  const file = join(dataDir, INSTALL_ID_FILE);
  const remembered = existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  const row = await canonicalInstall(database);
  if (row && remembered !== null && row.id !== remembered)
    throw DatabaseLost(
      `${database.location} belongs to installation ${row.id}, but ${file} says ${remembered}: the database was replaced. ` +
        `Put the right one back, or delete ${file} to adopt this one.`,
    );
  if (!row && remembered !== null)
    throw DatabaseLost(
      `${file} names installation ${remembered}, but ${database.location} has no installation: the database file or its WAL ` +
        `(${database.location}-wal) was deleted or replaced. Restore them, or delete ${file} to start afresh.`,
    );
  const id = row?.id ?? (await createInstall(database));
  if (remembered === null) writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** The installation's row (the earliest, should a database ever hold more than one). */
async function canonicalInstall(database: DatabaseHandle): Promise<{ id: string } | undefined> {
  return database.db
    .selectFrom('sluice_install')
    .select('id')
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * Writes the installation's row unless another replica, first starting on the same fresh
 * database at the same moment, just did: one lock for the read and the write, so all agree.
 */
async function createInstall(database: DatabaseHandle): Promise<string> {
  return inTransaction(database.db, async (trx) => {
    if (database.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${INSTALL_LOCK_KEY})`.execute(trx);
    const existing = await trx
      .selectFrom('sluice_install')
      .select('id')
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (existing) return existing.id;
    const id = randomUUID();
    await trx.insertInto('sluice_install').values({ id, created_at: new Date().toISOString() }).execute();
    return id;
  });
}
