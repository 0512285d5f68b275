/**
 * Scheduled flag changes on both databases, with a movable clock: validation, cancel, a change
 * due while the server was down running once on the next start, two servers racing for one row,
 * and a change that no longer applies failing whole.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../../config.js';
import { createServer, type SluiceServer } from '../../server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test-support/databases.js';

const ADMIN = 'schedule-admin-token-0123456789';
const HOUR = 3_600_000;
const START = Date.parse('2026-03-01T12:00:00.000Z');

describe.each(DIALECTS)('scheduled flag changes on %s', (dialect) => {
  let db: TestDatabase;
  let clock = START;
  const servers: SluiceServer[] = [];
  const start = async () => {
    const config = configFromEnv(
      {},
      {
        dataDir: db.dataDir,
        databaseUrl: db.databaseUrl,
        pgSchema: db.pgSchema,
        adminToken: ADMIN,
        port: 0,
        embeddedRouter: false,
      },
    );
    const server = await createServer(config, { now: () => new Date(clock) });
    servers.push(server);
    return server;
  };
  const stop = async (server: SluiceServer) => {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  };
  const call = async (server: SluiceServer, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
    const res = await server.app.fastify.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  const putFlag = (server: SluiceServer, name: string, spec: unknown) =>
    call(server, 'PUT', `/api/v1/flags/${name}?environment=production`, { spec });
  const schedule = (server: SluiceServer, flag: string, at: number, set: unknown) =>
    call(server, 'POST', `/api/v1/flags/${flag}/schedules?environment=production`, {
      at: new Date(at).toISOString(),
      set,
    });
  const auditBy = async (server: SluiceServer, actor: string) =>
    server.database.db.selectFrom('sluice_audit').selectAll().where('actor', '=', actor).execute();

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    for (const s of [...servers]) await stop(s);
  });
  afterAll(async () => db?.drop());

  const banner = {
    state: 'ENABLED',
    variants: { red: 'red', blue: 'blue', green: 'green' },
    defaultVariant: 'red',
    targeting: {
      fractional: [
        ['red', 90],
        ['blue', 10],
      ],
    },
  };

  it('validates a change when it is scheduled, lists it and cancels it once', async () => {
    const server = await start();
    expect((await putFlag(server, 'banner', banner)).status).toBe(201);
    const past = await schedule(server, 'banner', clock - 1000, { state: 'DISABLED' });
    expect(past.status).toBe(400);
    expect(past.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.at']);
    const badVariant = await schedule(server, 'banner', clock + HOUR, { defaultVariant: 'purple' });
    expect(badVariant.body.errors[0].path).toBe('body.set.defaultVariant');
    const badWeight = await schedule(server, 'banner', clock + HOUR, {
      fractionalWeights: { red: 1, pink: 1 },
    });
    expect(badWeight.body.errors[0].path).toBe('body.set.fractionalWeights.pink');
    const empty = await schedule(server, 'banner', clock + HOUR, {});
    expect(empty.status).toBe(400);
    expect((await schedule(server, 'nope', clock + HOUR, { state: 'DISABLED' })).status).toBe(404);

    const created = await schedule(server, 'banner', clock + HOUR, {
      fractionalWeights: { red: 50, blue: 50 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ flag: 'banner', status: 'pending', createdBy: 'admin' });
    const listed = await call(server, 'GET', '/api/v1/flag-schedules?environment=production&status=pending');
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    const cancel = `/api/v1/flag-schedules/${created.body.id}/cancel?environment=production`;
    expect((await call(server, 'POST', cancel)).body).toMatchObject({ status: 'cancelled' });
    expect((await call(server, 'POST', cancel)).body.code).toBe('FLAG_SCHEDULE_NOT_PENDING');
    clock += 2 * HOUR;
    expect(await server.schedules.runDue()).toEqual([]);
    expect(
      (await call(server, 'GET', '/api/v1/flags/banner?environment=production')).body.metadata.version,
    ).toBe(1);
  });

  it('runs a change that fell due while the server was down once, on the next start', async () => {
    const first = await start();
    const created = await schedule(first, 'banner', clock + HOUR, {
      state: 'ENABLED',
      defaultVariant: 'green',
      fractionalWeights: { red: 0, blue: 100 },
    });
    expect(created.status).toBe(201);
    await stop(first);
    clock += 3 * HOUR;
    const second = await start(); // runs due changes before it returns
    const flag = await call(second, 'GET', '/api/v1/flags/banner?environment=production');
    expect(flag.body.spec).toMatchObject({
      defaultVariant: 'green',
      targeting: {
        fractional: [
          ['red', 0],
          ['blue', 100],
        ],
      },
    });
    expect(flag.body.metadata).toMatchObject({ version: 2, updatedBy: `schedule:${created.body.id}` });
    expect(
      await second.flags.evaluate('production', 'banner', 'string', { targetingKey: 'u1' }),
    ).toMatchObject({
      value: 'blue',
    });
    const [row] = (
      await call(second, 'GET', '/api/v1/flag-schedules?environment=production&flag=banner')
    ).body.items.filter((s: { id: string }) => s.id === created.body.id);
    expect(row).toMatchObject({
      status: 'applied',
      appliedVersion: 2,
      finishedAt: new Date(clock).toISOString(),
    });
    await stop(second);
    const third = await start();
    expect(await third.schedules.runDue()).toEqual([]);
    const audit = await auditBy(third, `schedule:${created.body.id}`);
    expect(audit.map((a) => a.action)).toEqual(['update']);
  });

  it('lets exactly one of two servers on the same database run a due change', async () => {
    const a = await start();
    const b = await start();
    const created = await schedule(a, 'banner', clock + HOUR, { state: 'DISABLED' });
    clock += 2 * HOUR;
    // better-sqlite3 is synchronous: two servers in one process would block each other's event
    // loop on the write lock, so on SQLite the second looks after the first (separate processes race fine)
    const [ranA, ranB] =
      dialect === 'postgres'
        ? await Promise.all([a.schedules.runDue(), b.schedules.runDue()])
        : [await a.schedules.runDue(), await b.schedules.runDue()];
    expect(ranA.length + ranB.length).toBeLessThanOrEqual(1); // a timer may have been first
    const flag = await call(b, 'GET', '/api/v1/flags/banner?environment=production');
    expect(flag.body).toMatchObject({ spec: { state: 'DISABLED' }, metadata: { version: 3 } });
    expect((await auditBy(a, `schedule:${created.body.id}`)).map((x) => x.action)).toEqual(['update']);
  });

  it('fails a change that no longer applies, whole, with the reason', async () => {
    const server = await start();
    const created = await schedule(server, 'banner', clock + HOUR, {
      state: 'ENABLED',
      defaultVariant: 'green',
    });
    expect(created.status).toBe(201);
    const { green: _, ...variants } = banner.variants;
    const edited = await putFlag(server, 'banner', { ...banner, variants });
    expect(edited.status).toBe(200);
    clock += 2 * HOUR;
    await server.schedules.runDue();
    const [row] = (await call(server, 'GET', '/api/v1/flag-schedules?environment=production&status=failed'))
      .body.items;
    expect(row).toMatchObject({ id: created.body.id, status: 'failed', appliedVersion: null });
    expect(row.reason).toMatch(/set\.defaultVariant: "green" is not one of the variants/);
    const flag = await call(server, 'GET', '/api/v1/flags/banner?environment=production');
    expect(flag.body).toMatchObject({
      spec: { state: 'ENABLED', defaultVariant: 'red' },
      metadata: { version: edited.body.metadata.version },
    });
    expect((await auditBy(server, `schedule:${created.body.id}`)).map((x) => x.action)).toEqual([
      'schedule-failed',
    ]);
  });
  it('runs a change by itself when its time comes (the timer, not a call)', async () => {
    const server = await start();
    expect((await putFlag(server, 'timed', { ...banner, targeting: undefined })).status).toBe(201);
    const created = await schedule(server, 'timed', clock + 2000, { state: 'DISABLED' });
    expect(created.status).toBe(201);
    const ticker = setInterval(() => {
      clock += 250; // the server's clock runs fast; the timer wakes at least once a second
    }, 25);
    try {
      await vi.waitFor(
        async () =>
          expect(
            (await call(server, 'GET', '/api/v1/flags/timed?environment=production')).body.spec.state,
          ).toBe('DISABLED'),
        { timeout: 5_000, interval: 50 },
      );
    } finally {
      clearInterval(ticker);
    }
    const [row] = (await call(server, 'GET', '/api/v1/flag-schedules?environment=production&flag=timed')).body
      .items;
    expect(row).toMatchObject({ id: created.body.id, status: 'applied' });
  });
});
