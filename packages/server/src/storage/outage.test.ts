/**
 * Fail-static (issue 13, M5): with PostgreSQL cut off (a loopback proxy the test cuts — the shared
 * server keeps running), flag evaluation goes on from memory for tokens already verified, even
 * past their cache time; what needs the database answers 503 DATABASE_UNAVAILABLE with
 * Retry-After, never 500; `/readyz` says unavailable; all of it recovers when the link returns.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../test-support/tcp-proxy.js';

const FLAG = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

describe('a PostgreSQL outage', () => {
  let proxy: TcpProxy;
  let db: TestDatabase;
  let t: TestServer;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  beforeAll(async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    db = await createTestDatabase('postgres');
    t = await startTestServer('postgres', {
      database: { ...db, databaseUrl: throughProxy(TEST_DATABASE_URL, proxy) },
      now: () => new Date(clock),
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('keeps evaluating flags, refuses writes with 503, and recovers', async () => {
    expect(
      (await t.request('PUT', '/api/v1/flags/f1?environment=production', { body: { spec: FLAG } })).status,
    ).toBe(201);
    const sdk = await t.token(['sdk:production'], 'web');
    const evaluate = (token: string) =>
      t.request('POST', '/ofrep/v1/evaluate/flags/f1', { body: { context: {} }, token });
    expect((await evaluate(sdk)).body.value).toBe(true);
    expect((await t.request('GET', '/readyz', { token: null })).status).toBe(200);

    proxy.cut();
    // past the token cache's lifetime: the answer must come from memory, not the database
    clock += 120_000;
    const during = await evaluate(sdk);
    expect(during.status).toBe(200);
    expect(during.body.value).toBe(true);
    const bulk = await t.request('POST', '/ofrep/v1/evaluate/flags', { body: { context: {} }, token: sdk });
    expect(bulk.status).toBe(200);

    const unknown = await evaluate('slc_000000000000_neverseenbefore');
    expect(unknown.status).toBe(503);
    const write = await t.request('PUT', '/api/v1/flags/f2?environment=production', { body: { spec: FLAG } });
    expect(write.status).toBe(503);
    expect(write.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(write.headers['retry-after']).toBe('5');
    const ready = await t.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');

    proxy.restore();
    await vi.waitFor(
      async () => expect((await t.request('GET', '/readyz', { token: null })).status).toBe(200),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    const after = await t.request('PUT', '/api/v1/flags/f2?environment=production', { body: { spec: FLAG } });
    expect(after.status).toBe(201);
    expect((await evaluate(sdk)).status).toBe(200);
  });
});
