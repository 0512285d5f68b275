/**
 * The store contract, run on SQLite and PostgreSQL alike: migrations, resources with
 * optimistic versions, the audit log and tokens.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import type { StoredResource } from '../resources/resource.schema.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../test-support/databases.js';
import { createTokenStore } from '../tokens/token-store.kysely.js';
import { type DatabaseHandle, inTransaction, isMigrated, migrate, openDatabase } from './index.js';

function resource(
  name: string,
  version: number,
  spec: unknown = { a: 1 },
  environment?: string,
): StoredResource {
  return {
    kind: 'Thing',
    metadata: {
      name,
      ...(environment ? { environment } : {}),
      version,
      createdAt: 't0',
      createdBy: 'me',
      updatedAt: 't1',
      updatedBy: 'me',
    },
    spec,
  };
}

describe.each(DIALECTS)('stores on %s', (dialect) => {
  let testDb: TestDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    handle = openDatabase({
      databaseUrl: testDb.databaseUrl,
      pgSchema: testDb.pgSchema,
      dataDir: testDb.dataDir,
    });
    await migrate(handle);
  });
  afterEach(async () => {
    await handle.close();
    await testDb.drop();
  });

  it('migrates once: a second run applies nothing', async () => {
    expect(await isMigrated(handle)).toBe(true);
    const again = await migrate(handle);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBeGreaterThan(0);
  });

  it('migrates safely from two processes at once', async () => {
    const other = await createTestDatabase(dialect);
    const script = fileURLToPath(new URL('../test-support/migrate-child.ts', import.meta.url));
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          env: {
            ...process.env,
            DB_URL: other.databaseUrl ?? '',
            DB_SCHEMA: other.pgSchema ?? '',
            DATA_DIR: other.dataDir,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) =>
          code === 0 ? resolve(out.trim()) : reject(new Error(`migrate child failed: ${out}`)),
        );
      });
    try {
      const results = (await Promise.all([run(), run(), run()])).map((o) =>
        JSON.parse(o.split('\n').at(-1) as string),
      );
      const appliedCounts = results.map((r: { applied: string[] }) => r.applied.length);
      // exactly one process applied the migrations; the others found them done
      expect(appliedCounts.filter((n) => n > 0)).toHaveLength(1);
    } finally {
      await other.drop();
    }
  });

  it('stores, versions and deletes resources with optimistic checks', async () => {
    const store = createResourceStore(handle.db);
    await store.insert(resource('a', 1, { nested: { x: [1, 2] } }));
    await expect(store.insert(resource('a', 1))).rejects.toThrow();
    expect((await store.get('Thing', null, 'a'))?.spec).toEqual({ nested: { x: [1, 2] } });
    expect(await store.update(resource('a', 2, { b: 2 }), 5)).toBe(false);
    expect(await store.update(resource('a', 2, { b: 2 }), 1)).toBe(true);
    expect((await store.get('Thing', null, 'a'))?.metadata.version).toBe(2);
    expect(await store.delete('Thing', null, 'a', 1)).toBe(false);
    expect(await store.delete('Thing', null, 'a', 2)).toBe(true);
    expect(await store.get('Thing', null, 'a')).toBeNull();
  });

  it('keeps environments apart and pages lists by name', async () => {
    const store = createResourceStore(handle.db);
    for (const n of ['c', 'a', 'b']) await store.insert(resource(n, 1, {}, 'development'));
    await store.insert(resource('a', 1, { prod: true }, 'production'));
    expect((await store.get('Thing', 'production', 'a'))?.spec).toEqual({ prod: true });
    const first = await store.list('Thing', 'development', { limit: 2 });
    expect(first.map((r) => r.metadata.name)).toEqual(['a', 'b']);
    const next = await store.list('Thing', 'development', { limit: 2, cursor: 'b' });
    expect(next.map((r) => r.metadata.name)).toEqual(['c']);
    expect(await store.countInEnvironment('development')).toBe(3);
  });

  it('rolls back every row of a failed transaction', async () => {
    await expect(
      inTransaction(handle.db, async (trx) => {
        await createResourceStore(trx).insert(resource('x', 1));
        await createAuditStore(trx).append({
          at: 'now',
          actor: 'me',
          action: 'create',
          kind: 'Thing',
          name: 'x',
          before: null,
          after: {},
          requestId: null,
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await createResourceStore(handle.db).get('Thing', null, 'x')).toBeNull();
    expect(await createAuditStore(handle.db).count()).toBe(0);
  });

  it('appends and filters the audit log, newest first, with cursors', async () => {
    const audit = createAuditStore(handle.db);
    for (let i = 0; i < 5; i++) {
      await audit.append({
        at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
        actor: i % 2 ? 'bob' : 'alice',
        action: 'update',
        kind: 'Thing',
        environment: 'development',
        name: `n${i}`,
        before: { v: i },
        after: { v: i + 1 },
        requestId: `r${i}`,
      });
    }
    const page = await audit.query({ limit: 2 });
    expect(page.map((e) => e.name)).toEqual(['n4', 'n3']);
    const rest = await audit.query({ limit: 10, cursor: page[1]?.id });
    expect(rest.map((e) => e.name)).toEqual(['n2', 'n1', 'n0']);
    expect((await audit.query({ limit: 10, actor: 'bob' })).map((e) => e.name)).toEqual(['n3', 'n1']);
    expect((await audit.query({ limit: 10, since: '2026-01-04T00:00:00Z' })).map((e) => e.name)).toEqual([
      'n4',
      'n3',
    ]);
    expect(rest[0]?.after).toEqual({ v: 3 });
  });

  it('finds tokens by hash and revokes them once', async () => {
    const tokens = createTokenStore(handle.db);
    await tokens.insert({
      id: 'abc',
      hash: 'h1',
      subject: 'ci',
      scopes: ['write:production'],
      roles: ['release'],
      description: '',
      createdAt: 't',
      createdBy: 'admin',
      expiresAt: null,
      revokedAt: null,
    });
    expect((await tokens.findByHash('h1'))?.scopes).toEqual(['write:production']);
    expect(await tokens.revoke('abc', 'later')).toBe(true);
    expect(await tokens.revoke('abc', 'later')).toBe(false);
    expect((await tokens.findById('abc'))?.revokedAt).toBe('later');
  });
});
