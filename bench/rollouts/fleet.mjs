// One database's half of bench/rollouts: migrates a fresh database, starts N canary runs against
// the scripted world at once, waits until every run has ended, and prints one JSON line of
// figures on stdout (progress goes to stderr). Run by run.mjs in a process of its own, so the
// RSS it samples is this database's alone. Usage:
//   node [--import tsx --conditions=sluice-source] bench/rollouts/fleet.mjs sqlite|postgres N interval_s timeout_s
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutRuntime } from '@sluice/server/rollouts';
import { migrate, openDatabase } from '@sluice/server/storage';
import pg from 'pg';
import { canaryPlan, scriptedHandlers } from './plan.mjs';
import { percentile } from './stats.mjs';

const [dialect, nArg, intervalArg, timeoutArg] = process.argv.slice(2);
const n = Number(nArg ?? 1000);
const intervalSeconds = Number(intervalArg ?? 1);
const timeoutMs = Number(timeoutArg ?? 180) * 1000;
const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-rollouts-'));
const schema = `bench_rollouts_${process.pid}`;
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
const handle = openDatabase(
  dialect === 'postgres' ? { databaseUrl: pgUrl, pgSchema: schema, dataDir } : { dataDir },
);
const cleanup = async () => {
  await handle.close();
  if (dialect === 'postgres') await admin(`drop schema if exists ${schema} cascade`);
  rmSync(dataDir, { recursive: true, force: true });
};
await migrate(handle);

let peakRss = process.memoryUsage().rss;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
const rssTimer = setInterval(sampleRss, 50);

const lags = [];
let events = 0;
let statusChanges = 0;
let ended = 0;
const outcomes = new Map();
let resolveAll;
const allEnded = new Promise((resolve) => {
  resolveAll = resolve;
});
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

const runtime = new RolloutRuntime({
  db: handle.db,
  handlers: scriptedHandlers,
  onTimerFired: (fired) => lags.push(fired.lagMs),
  log: (level, message, fields) => {
    if (level === 'error') process.stderr.write(`[${dialect}] ${message} ${JSON.stringify(fields ?? {})}\n`);
  },
});
runtime.onTransition((_run, result) => {
  events += 1;
  statusChanges += result.transitions.length;
  if (result.transitions.some((t) => t.stage === null && TERMINAL.has(t.to))) {
    outcomes.set(result.state.status, (outcomes.get(result.state.status) ?? 0) + 1);
    ended += 1;
    if (ended === n) resolveAll();
  }
});
await runtime.resume();

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const progress = setInterval(() => {
  sampleRss();
  process.stderr.write(
    `[${dialect}] ${((performance.now() - t0) / 1000).toFixed(0)} s: ${ended}/${n} ended, ${events} events, ` +
      `${lags.length} timers fired, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB\n`,
  );
}, 1000);
let timedOut = false;
const deadline = new Promise((resolve) =>
  setTimeout(() => {
    timedOut = true;
    resolve();
  }, timeoutMs).unref(),
);

await Promise.all(
  Array.from({ length: n }, (_, i) =>
    runtime.start({
      rollout: `bench-${i}`,
      environment: 'bench',
      rolloutVersion: 1,
      plan: canaryPlan(i, intervalSeconds),
      startedBy: 'bench',
      locks: [`service:bench/app-${i}`],
    }),
  ),
);
const startedMs = performance.now() - t0;
await Promise.race([allEnded, deadline]);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(progress);
clearInterval(rssTimer);
sampleRss();
await runtime.stop();
await cleanup();

const sorted = [...lags].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    dialect,
    runs: n,
    ended,
    timedOut,
    outcomes: Object.fromEntries(outcomes),
    startedMs,
    wallMs,
    events,
    statusChanges,
    timers: lags.length,
    lagP50: percentile(sorted, 0.5),
    lagP99: percentile(sorted, 0.99),
    lagMax: sorted.at(-1) ?? null,
    rssBefore,
    peakRss,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
process.exit(0);
