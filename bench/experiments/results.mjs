// bench/experiments results: an experiment with 1,000,000 exposed users (and a conversion for
// about a third of them), counted through the real ingest path (ExperimentIngest, batches of
// 5,000, no HTTP), then GET /api/v1/experiments/{key}/results timed 50 times. Usage:
//   node --import tsx --conditions=sluice-source bench/experiments/results.mjs sqlite|postgres [users] [--cuped]
// --cuped turns CUPED on (pre_period_days 14): each exposure also runs the pre-period SQL query
// (over an event table holding no events of these users) and the results compute the adjusted
// comparison from the sums.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@sluice/server';
import { ExperimentIngest } from '@sluice/server/experiments';
import pg from 'pg';

const args = process.argv.slice(2);
const withCuped = args.includes('--cuped');
const [dialect, usersArg] = args.filter((a) => !a.startsWith('--'));
const users = Number(usersArg ?? 1_000_000);
const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-results-'));
const schema = `bench_results_${process.pid}`;
const ADMIN = 'bench-results-admin-token-0000';
const admin = async (text) => {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(text).finally(() => c.end());
};
if (dialect === 'postgres') await admin(`create schema ${schema}`);
const server = await createServer(
  configFromEnv(
    {},
    {
      dataDir,
      adminToken: ADMIN,
      port: 0,
      embeddedRouter: false,
      ...(dialect === 'postgres' ? { databaseUrl: pgUrl, pgSchema: schema } : {}),
    },
  ),
);
const inject = (method, url, body) =>
  server.app.fastify.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN}` },
    ...(body ? { payload: body } : {}),
  });
await inject('PUT', '/api/v1/experiments/big', {
  spec: {
    status: 'active',
    traffic_split: { control: 50, variant_a: 50 },
    metrics: { primary: 'conversion_rate' },
    duration_days: 14,
    min_sample_size: 1000,
    ...(withCuped ? { cuped: { pre_period_days: 14 } } : {}),
  },
});
const ingest = new ExperimentIngest(server.database.db, () => new Date());
const time = new Date().toISOString();
const t0 = performance.now();
for (let from = 0; from < users; from += 5000) {
  const entries = [];
  for (let i = from; i < Math.min(users, from + 5000); i++) {
    entries.push({
      experiment: 'big',
      user: `u${i}`,
      name: 'exposure',
      arm: i % 2 ? 'variant_a' : 'control',
      time,
    });
    if (i % 3 === 0) entries.push({ experiment: 'big', user: `u${i}`, name: 'conversion', time });
  }
  await ingest.recordNow('development', entries);
  if (from % 100_000 === 0) console.error(`${from.toLocaleString('en-US')} users…`);
}
const ingestSeconds = (performance.now() - t0) / 1000;
const times = [];
let body;
for (let i = 0; i < 50; i++) {
  const s = performance.now();
  const r = await inject('GET', '/api/v1/experiments/big/results');
  times.push(performance.now() - s);
  body = JSON.parse(r.body);
}
await server.close();
if (dialect === 'postgres') await admin(`drop schema if exists ${schema} cascade`);
rmSync(dataDir, { recursive: true, force: true });
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    dialect,
    cuped: withCuped,
    cupedReason: body.metrics[0].comparisons[0].cuped?.reason ?? null,
    exposedUsers: body.sampleSize.users,
    ingestSeconds,
    resultsP50: times[25],
    resultsMax: times.at(-1),
    verdict: body.verdict.decision,
  }),
);
