// One database's half of bench/experiments: a real control plane on a fresh database, an
// experiment, then POST /api/v1/events in batches of 1,000 over loopback for N seconds
// (deduplication on: every event has an id; 10 % of the batches are replays). Then the results
// of the experiment (over every user exposed so far) are read and timed, and the ceiling of the
// same rows is measured: bare multi-row inserts into a table with the same primary key, through
// the driver, no HTTP, no experiment work. Prints one JSON line. Usage:
//   node --import tsx --conditions=sluice-source bench/experiments/ingest.mjs sqlite|postgres seconds senders
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer } from '@sluice/server';
import Database from 'better-sqlite3';
import pg from 'pg';

const [dialect, secondsArg, sendersArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 60);
const senders = Number(sendersArg ?? 2);
const BATCH = 1000;
const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-experiments-'));
const schema = `bench_experiments_${process.pid}`;
const ADMIN = 'bench-experiments-admin-token-0';

async function admin(sqlText) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}
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
const url = await server.listen();
const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const call = async (method, path, body) => {
  const r = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
};
await call('PUT', '/api/v1/experiments/bench', {
  spec: {
    status: 'active',
    traffic_split: { control: 50, variant_a: 50 },
    metrics: { primary: 'conversion_rate', secondary: ['click_through_rate', 'revenue_per_user'] },
    duration_days: 14,
    min_sample_size: 1000,
  },
});

// A batch: 600 exposures of new users, 400 metric events of users exposed earlier.
let nextUser = 0;
let nextId = 0;
const time = new Date().toISOString();
const NAMES = ['conversion', 'click', 'page_view', 'purchase'];
function batch() {
  const events = [];
  for (let i = 0; i < 600; i++) {
    const user = `u${nextUser++}`;
    events.push({ id: `e${nextId++}`, user, name: 'exposure', experiment: 'bench', time });
  }
  for (let i = 0; i < 400; i++) {
    const user = `u${Math.floor(Math.random() * nextUser)}`;
    const name = NAMES[i % 4];
    const event = { id: `e${nextId++}`, user, name, experiment: 'bench', time };
    if (name === 'purchase') event.value = Math.round(Math.random() * 10_000) / 100;
    events.push(event);
  }
  return events;
}

let events = 0;
let stored = 0;
let replays = 0;
const latencies = [];
const until = Date.now() + seconds * 1000;
const started = Date.now();
const perSecond = new Map();
async function sender() {
  let last = null;
  while (Date.now() < until) {
    // every tenth batch re-sends the previous one: deduplication has work to do
    const replay = last !== null && Math.random() < 0.1;
    const body = replay ? last : JSON.stringify({ events: batch() });
    last = body;
    const t0 = performance.now();
    const r = await fetch(`${url}/api/v1/events`, { method: 'POST', headers, body });
    const answer = await r.json();
    if (!r.ok || answer.rejected)
      throw new Error(`events: ${r.status} ${JSON.stringify(answer).slice(0, 300)}`);
    latencies.push(performance.now() - t0);
    events += BATCH;
    stored += answer.stored;
    if (replay) replays += answer.duplicates;
    const second = Math.floor((Date.now() - started) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + BATCH);
  }
}
await Promise.all(Array.from({ length: senders }, sender));
const elapsed = (Date.now() - started) / 1000;
await server.experiments.exposures.flush();

const resultTimes = [];
let results;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  results = await call('GET', '/api/v1/experiments/bench/results');
  resultTimes.push(performance.now() - t0);
}
await server.close();

// The ceiling: the same number of rows of the same shape, bare multi-row inserts, one statement
// per 1,000 rows (SQLite: 8 columns → 125-row statements under its variable limit), same PK.
const ceilingRows = Math.min(events, 600_000);
let ceilingSeconds;
const rows = (from) =>
  Array.from({ length: BATCH }, (_, i) => [
    `c${from + i}`,
    'development',
    '',
    'conversion',
    `u${from + i}`,
    time,
    time,
    'admin',
  ]);
if (dialect === 'sqlite') {
  const db = new Database(join(dataDir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table e (id text primary key, environment text, version text, name text, user_key text, time text, received_at text, sent_by text)',
  );
  const per = 125;
  const stmt = db.prepare(
    `insert into e values ${Array(per).fill('(?,?,?,?,?,?,?,?)').join(',')} on conflict (id) do nothing`,
  );
  const t0 = performance.now();
  for (let n = 0; n < ceilingRows; n += BATCH) {
    const r = rows(n).flat();
    db.transaction(() => {
      for (let i = 0; i < BATCH; i += per) stmt.run(r.slice(i * 8, (i + per) * 8));
    })();
  }
  ceilingSeconds = (performance.now() - t0) / 1000;
  db.close();
} else {
  const c = new pg.Client({ connectionString: pgUrl, options: `-c search_path=${schema}` });
  await c.connect();
  await c.query(
    'create table e (id text primary key, environment text, version text, name text, user_key text, time text, received_at text, sent_by text)',
  );
  const t0 = performance.now();
  for (let n = 0; n < ceilingRows; n += BATCH) {
    const r = rows(n);
    const params = r.flat();
    const values = r
      .map((_, i) => `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(',')})`)
      .join(',');
    await c.query(`insert into e values ${values} on conflict (id) do nothing`, params);
  }
  ceilingSeconds = (performance.now() - t0) / 1000;
  await c.end();
  await admin(`drop schema if exists ${schema} cascade`);
}
rmSync(dataDir, { recursive: true, force: true });

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const q = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const full = [...perSecond.entries()].filter(([s]) => s < Math.floor(elapsed)).map(([, n]) => n);
console.log(
  JSON.stringify({
    dialect,
    seconds: elapsed,
    events,
    stored,
    replays,
    eventsPerSecond: events / elapsed,
    slowestSecond: Math.min(...full),
    batchP50: q(latencies, 0.5),
    batchP99: q(latencies, 0.99),
    exposedUsers: results.sampleSize.users,
    resultsP50: q(resultTimes, 0.5),
    resultsMax: Math.max(...resultTimes),
    ceilingRowsPerSecond: ceilingRows / ceilingSeconds,
  }),
);
