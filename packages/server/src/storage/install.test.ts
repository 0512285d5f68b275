/** Installation identity when replicas first start together on one fresh PostgreSQL database. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { type DatabaseHandle, migrate, openDatabase } from './index.js';
import { checkInstallIdentity, INSTALL_ID_FILE } from './install.js';

describe('installation identity on PostgreSQL', () => {
  let db: TestDatabase;
  const handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const h of handles) await h.close();
    await db?.drop();
  });

  it('gives replicas that first start at once the same id, and each keeps starting afterwards', async () => {
    db = await createTestDatabase('postgres');
    const open = () => {
      const h = openDatabase({ databaseUrl: db.databaseUrl, pgSchema: db.pgSchema, dataDir: db.dataDir });
      handles.push(h);
      return h;
    };
    await migrate(open());
    const replicas = [1, 2, 3, 4].map(() => ({
      handle: open(),
      dir: mkdtempSync(join(tmpdir(), 'sluice-replica-')),
    }));
    const ids = await Promise.all(replicas.map((r) => checkInstallIdentity(r.handle, r.dir)));
    expect(new Set(ids).size).toBe(1);
    for (const r of replicas) {
      expect(readFileSync(join(r.dir, INSTALL_ID_FILE), 'utf8').trim()).toBe(ids[0]);
      // the next start of each replica agrees with what it remembered
      await expect(checkInstallIdentity(r.handle, r.dir)).resolves.toBe(ids[0]);
    }
  });
});
