/**
 * A MetricSource over the local PostgreSQL with a schema this test creates: per-user rows of
 * the team's own table, read from the watermark on, counted into the experiment's results. The
 * control plane runs on both databases; the warehouse is PostgreSQL.
 */
import { armFor, type ExperimentSpec } from '@sluice/core/experiments';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, TEST_DATABASE_URL } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const T0 = Date.parse('2026-04-01T00:00:00.000Z');
const warehouse = `wh_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const SECRET = 'SLUICE_SECRET_TEST_WAREHOUSE_URL';

async function sql(text: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  process.env[SECRET] = TEST_DATABASE_URL;
  await sql(`create schema ${warehouse}`);
  await sql(`create table ${warehouse}.orders (customer text, amount numeric, placed_at timestamptz)`);
});
afterAll(async () => {
  delete process.env[SECRET];
  await sql(`drop schema if exists ${warehouse} cascade`);
});

describe.each(DIALECTS)('a PostgreSQL MetricSource, control plane on %s', (dialect) => {
  let t: TestServer;
  let clock = T0;
  const key = `wh-${dialect}`;
  beforeAll(async () => {
    t = await startTestServer(dialect, { now: () => new Date(clock) });
  });
  afterAll(async () => t?.close());

  it('is operator configuration: only admin tokens write it', async () => {
    const source = {
      type: 'postgres',
      url: { secretRef: SECRET },
      query: `select customer as "user", 'purchase' as metric, amount as value, placed_at as "timestamp" from ${warehouse}.orders where placed_at > $1 and placed_at <= $2 and customer like '${dialect}-%'`,
      lag_seconds: 60,
    };
    const writer = await t.token(['write']);
    const refused = await t.request('PUT', '/api/v1/metric-sources/warehouse', {
      body: { spec: source },
      token: writer,
    });
    expect(refused.status).toBe(403);
    expect(
      (await t.request('PUT', '/api/v1/metric-sources/warehouse', { body: { spec: source } })).status,
    ).toBe(201);
  });

  it("reads the team's rows from its watermark on and counts them per arm", async () => {
    const spec = {
      status: 'active',
      traffic_split: { control: 50, variant_a: 50 },
      metrics: { primary: 'revenue_per_user', source: 'warehouse' },
      duration_days: 7,
      min_sample_size: 100,
    };
    expect((await t.request('PUT', `/api/v1/experiments/${key}`, { body: { spec } })).status).toBe(201);
    const users = Array.from({ length: 6 }, (_, i) => `${dialect}-u${i}`);
    const time = new Date(T0 + 1000).toISOString();
    const exposures = users.map((u) => ({
      id: `${key}-${u}`,
      user: u,
      name: 'exposure',
      experiment: key,
      time,
    }));
    expect((await t.request('POST', '/api/v1/events', { body: { events: exposures } })).body.stored).toBe(6);
    // two orders per user, the second after the first sync
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    for (const [i, u] of users.entries())
      await sql(`insert into ${warehouse}.orders values ($1, $2, $3)`, [u, 10 + i, at(60_000)]);
    clock = T0 + 10 * 60_000;
    const first = (await t.request('GET', `/api/v1/experiments/${key}/results`)).body;
    expect(first.source).toEqual({ rows: 6, through: new Date(clock - 60_000).toISOString() });
    for (const [i, u] of users.entries())
      await sql(`insert into ${warehouse}.orders values ($1, $2, $3)`, [u, 100 * i, at(20 * 60_000)]);
    clock = T0 + 30 * 60_000;
    const second = (await t.request('GET', `/api/v1/experiments/${key}/results`)).body;
    expect(second.source.rows).toBe(6);
    const again = (await t.request('GET', `/api/v1/experiments/${key}/results`)).body;
    expect(again.source.rows).toBe(0);
    // revenue per exposed user, per arm, equals what the table holds
    const stored = (await t.request('GET', `/api/v1/experiments/${key}`)).body.spec as ExperimentSpec;
    const expected: Record<string, number[]> = { control: [], variant_a: [] };
    for (const [i, u] of users.entries()) expected[armFor(key, stored, u)]?.push(10 + i + 100 * i);
    const revenue = again.metrics[0];
    for (const arm of ['control', 'variant_a']) {
      const values = expected[arm] as number[];
      const row = revenue.arms.find((a: { arm: string }) => a.arm === arm);
      expect(row.n).toBe(values.length);
      if (values.length) expect(row.value).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    }
  });

  it('says when the warehouse cannot be read, and still answers', async () => {
    await t.request('PUT', '/api/v1/metric-sources/warehouse', {
      body: { spec: { type: 'postgres', url: { secretRef: SECRET }, query: 'select nonsense from nowhere' } },
    });
    clock += 60 * 60_000;
    const r = await t.request('GET', `/api/v1/experiments/${key}/results`);
    expect(r.status).toBe(200);
    expect(r.body.source.error).toMatch(/nowhere/);
  });
});
