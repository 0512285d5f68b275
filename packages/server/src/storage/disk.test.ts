/**
 * A full disk and a lost WAL are reported with their real cause (issue 13, L3). Before: writes
 * answered 500 with "cannot rollback - no transaction is active", `/readyz` stayed ready, and a
 * database without its WAL started as a fresh install.
 */
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer } from '../server.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../test-support/server.js';
import { INSTALL_ID_FILE } from './install.js';

const flag = (description: string) => ({
  spec: {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'on',
    metadata: { description },
  },
});

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('storage failures', () => {
  it('answers STORAGE_FULL (507) when the disk is full, says so on /readyz, and recovers', async () => {
    t = await startTestServer('sqlite');
    const server = t;
    expect(
      (await server.request('PUT', '/api/v1/flags/f1?environment=production', { body: flag('x') })).status,
    ).toBe(201);
    const sdk = await server.token(['sdk:production']);
    const db = server.server.database.db;
    const pages = Number(
      (await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]?.page_count,
    );
    await sql.raw(`pragma max_page_count = ${pages}`).execute(db);

    const full = await server.request('PUT', '/api/v1/flags/f2?environment=production', {
      body: flag('y'.repeat(200_000)),
    });
    expect(full.status, full.text).toBe(507);
    expect(full.body.code).toBe('STORAGE_FULL');
    expect(full.body.detail).not.toMatch(/cannot rollback/);
    const ready = await server.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/^STORAGE_FULL/);
    // evaluation goes on
    const evaluated = await server.request('POST', '/ofrep/v1/evaluate/flags/f1', {
      body: { context: {} },
      token: sdk,
    });
    expect(evaluated.status).toBe(200);
    // nothing half-written
    expect((await server.request('GET', '/api/v1/flags/f2?environment=production')).status).toBe(404);

    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    const after = await server.request('PUT', '/api/v1/flags/f2?environment=production', {
      body: flag('y'.repeat(200_000)),
    });
    expect(after.status).toBe(201);
  });

  it('notices a WAL deleted under the running server and refuses writes with DATABASE_LOST', async () => {
    t = await startTestServer('sqlite');
    const server = t;
    expect(
      (await server.request('PUT', '/api/v1/flags/f1?environment=production', { body: flag('x') })).status,
    ).toBe(201);
    unlinkSync(join(server.db.dataDir, 'sluice.db-wal'));
    const ready = await server.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/^DATABASE_LOST: .*sluice\.db-wal was deleted/);
    const write = await server.request('PUT', '/api/v1/flags/f3?environment=production', { body: flag('z') });
    expect(write.status).toBe(503);
    expect(write.body.code).toBe('DATABASE_LOST');
  });

  it('refuses to start on a database that lost its WAL instead of starting afresh', async () => {
    t = await startTestServer('sqlite');
    expect(
      (await t.request('PUT', '/api/v1/flags/f1?environment=production', { body: flag('x') })).status,
    ).toBe(201);
    // what a crash plus a deleted WAL leaves: the main file and the data directory's install id
    const lost = mkdtempSync(join(tmpdir(), 'sluice-lost-'));
    try {
      copyFileSync(join(t.db.dataDir, 'sluice.db'), join(lost, 'sluice.db'));
      copyFileSync(join(t.db.dataDir, INSTALL_ID_FILE), join(lost, INSTALL_ID_FILE));
      const config = configFromEnv(
        {},
        { dataDir: lost, adminToken: ADMIN_TOKEN, port: 0, embeddedRouter: false },
      );
      await expect(createServer(config)).rejects.toMatchObject({ code: 'DATABASE_LOST' });
    } finally {
      rmSync(lost, { recursive: true, force: true });
    }
  });
});
