/**
 * Tells a fresh install from a lost database (issue 13, L3). The first start stores an id in
 * `sluice_install` and in `<dataDir>/install-id`; a later start that finds the file but not the
 * same id in the database — the database file or its WAL was deleted or replaced — refuses to
 * start with DATABASE_LOST rather than carry on as a new, empty installation.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseHandle } from './db.js';
import { DatabaseLost } from './errors.js';

export const INSTALL_ID_FILE = 'install-id';

export async function checkInstallIdentity(database: DatabaseHandle, dataDir: string): Promise<string> {
  const file = join(dataDir, INSTALL_ID_FILE);
  const remembered = existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  const row = await database.db.selectFrom('sluice_install').select('id').executeTakeFirst();
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
  const id = row?.id ?? randomUUID();
  if (!row)
    await database.db
      .insertInto('sluice_install')
      .values({ id, created_at: new Date().toISOString() })
      .execute();
  if (remembered === null) writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
