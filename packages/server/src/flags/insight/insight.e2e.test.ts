/** Evaluation counters and stale flags on both databases, with a movable clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../config.js';
import { createServer, type SluiceServer } from '../../server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test-support/databases.js';

const ADMIN = 'insight-admin-token-0123456789';
const DAY = 86_400_000;

describe.each(DIALECTS)('flag evaluation insight on %s', (dialect) => {
  let db: TestDatabase;
  let server: SluiceServer;
  let clock = Date.parse('2026-04-01T10:00:00.000Z');
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
    const res = await server.app.fastify.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return {
      status: res.statusCode,
      text: res.body,
      body: res.body.startsWith('{') ? JSON.parse(res.body) : undefined,
    };
  };
  const flag = (name: string) =>
    call('PUT', `/api/v1/flags/${name}?environment=production`, {
      spec: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [{ '==': [{ var: 'beta' }, true] }, 'on', null] },
      },
    });
  const evaluate = (name: string, context: Record<string, unknown>) =>
    call('POST', `/api/v1/flags/${name}/evaluate?environment=production`, { context });
  const stale = async (days: number) =>
    (await call('GET', `/api/v1/flags-stale?environment=production&days=${days}`)).body.items as {
      flag: string;
      reason: string;
      variant: string | null;
    }[];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const config = configFromEnv(
      {},
      {
        dataDir: db.dataDir,
        databaseUrl: db.databaseUrl,
        pgSchema: db.pgSchema,
        adminToken: ADMIN,
        // per-flag series are off by default (issue 13, L6)
        metricsFlags: true,
        port: 0,
        embeddedRouter: false,
      },
    );
    server = await createServer(config, { now: () => new Date(clock) });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('counts evaluations per variant on /metrics and in per-day rows', async () => {
    for (const name of ['mixed', 'settled', 'quiet', 'unused']) expect((await flag(name)).status).toBe(201);
    await evaluate('mixed', { beta: true });
    await evaluate('mixed', { beta: false });
    await evaluate('mixed', { beta: false });
    await evaluate('no-such-flag', {});
    server.insight.recordEvaluation('production', 'settled', 'off'); // as the OFREP routes do
    const metrics = (await call('GET', '/metrics')).text;
    expect(metrics).toContain(
      'sluice_flag_evaluations_total{environment="production",flag="mixed",variant="off"} 2',
    );
    expect(metrics).toContain(
      'sluice_flag_evaluations_total{environment="production",flag="mixed",variant="on"} 1',
    );
    expect(metrics).not.toContain('no-such-flag');
    await server.insight.flush();
    await evaluate('mixed', { beta: true });
    await server.insight.flush();
    const rows = await server.database.db
      .selectFrom('sluice_flag_evaluation')
      .select(['flag', 'variant', 'day', 'count'])
      .orderBy('flag')
      .orderBy('variant')
      .execute();
    expect(rows.map((r) => ({ ...r, count: Number(r.count) }))).toEqual([
      { flag: 'mixed', variant: 'off', day: '2026-04-01', count: 2 },
      { flag: 'mixed', variant: 'on', day: '2026-04-01', count: 2 },
      { flag: 'settled', variant: 'off', day: '2026-04-01', count: 1 },
    ]);
    // the counter keeps counting after a flush: it is never reset by writing to the database
    expect((await call('GET', '/metrics')).text).toContain(
      'sluice_flag_evaluations_total{environment="production",flag="mixed",variant="on"} 2',
    );
  });

  it('finds flags not evaluated, or serving one variant, for N days', async () => {
    expect(await stale(3)).toEqual([]); // every flag is younger than the window
    clock += 5 * DAY;
    await evaluate('quiet', { beta: true });
    await evaluate('settled', {});
    await server.insight.flush(); // as the timer does every few seconds; counts go to the flush's day
    clock += 5 * DAY;
    await evaluate('mixed', { beta: true });
    await evaluate('mixed', { beta: false });
    await evaluate('settled', {});
    await evaluate('settled', { beta: false });
    const found = await stale(3);
    expect(found.map((s) => [s.flag, s.reason, s.variant])).toEqual([
      ['quiet', 'not-evaluated', null],
      ['settled', 'single-variant', 'off'],
      ['unused', 'not-evaluated', null],
    ]);
    expect(found[0]).toMatchObject({ lastEvaluatedAt: '2026-04-06T10:00:00.000Z' });
    expect((await call('GET', '/api/v1/flags-stale?environment=production&days=0')).status).toBe(400);
    const usage = (await call('GET', '/api/v1/flag-evaluations?environment=production&days=3')).body.items;
    expect(usage).toEqual([
      { flag: 'mixed', variants: { on: 1, off: 1 }, lastEvaluatedAt: '2026-04-11T10:00:00.000Z' },
      { flag: 'quiet', variants: {}, lastEvaluatedAt: '2026-04-06T10:00:00.000Z' },
      { flag: 'settled', variants: { off: 2 }, lastEvaluatedAt: '2026-04-11T10:00:00.000Z' },
    ]);
  });
});
