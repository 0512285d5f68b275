// bench/experiments: event ingestion through POST /api/v1/events (batches of 1,000, ids
// deduplicated, experiment exposures and metric events counted into per-user rows and per-arm
// sums) for N seconds on SQLite and on PostgreSQL, results over every user exposed by then, and
// the same run's ceiling: bare multi-row inserts of the same rows through the driver. Each
// database runs in a process of its own. Usage:
//   node bench/experiments/run.mjs [seconds=60] [senders=2] [--only=sqlite|postgres] [--record]
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? true];
    }),
);
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(args[0] ?? 60);
const senders = Number(args[1] ?? 2);
const dialects = flags.only ? [flags.only] : ['sqlite', 'postgres'];
const TARGET = 50_000;
const RESULTS_TARGET_MS = 200;

const rows = [];
for (const dialect of dialects) {
  console.error(`bench/experiments: ${dialect}, ${seconds} s, ${senders} senders…`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=sluice-source',
      `${here}ingest.mjs`,
      dialect,
      String(seconds),
      String(senders),
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) {
    console.error(`${dialect} failed (exit ${r.status})`);
    process.exitCode = 1;
    continue;
  }
  rows.push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
}
const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const table = [
  '| database | events/s (ingest) | slowest second | batch p50 / p99 ms | ceiling rows/s (bare inserts) | ingest ÷ ceiling | exposed users | results p50 / max ms |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.dialect} | ${f(r.eventsPerSecond)} | ${f(r.slowestSecond)} | ${f(r.batchP50, 1)} / ${f(r.batchP99, 1)} | ${f(r.ceilingRowsPerSecond)} | ${f(r.eventsPerSecond / r.ceilingRowsPerSecond, 2)} | ${f(r.exposedUsers)} | ${f(r.resultsP50, 1)} / ${f(r.resultsMax, 1)} |`,
  ),
].join('\n');
const verdicts = rows
  .map(
    (r) =>
      `${r.dialect}: ingestion ${r.eventsPerSecond >= TARGET ? 'meets' : 'misses'} the ${f(TARGET)} events/s target (${f(r.eventsPerSecond / TARGET, 2)}×); results over ${f(r.exposedUsers)} exposed users ${r.resultsP50 < RESULTS_TARGET_MS ? 'meet' : 'miss'} < ${RESULTS_TARGET_MS} ms (p50 ${f(r.resultsP50, 1)} ms)`,
  )
  .join('\n');
console.log(`${table}\n\n${verdicts}`);
if (flags.record) {
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
  appendFileSync(
    `${root}bench/RESULTS.md`,
    `\n## bench/experiments — ${date}\n\n\`node bench/experiments/run.mjs ${process.argv.slice(2).join(' ')}\` (${machine})\n\n${table}\n\n${verdicts}\n`,
  );
}
