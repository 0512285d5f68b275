// bench/rollouts: 1,000 concurrent short canary rollouts against a scripted world, on SQLite and
// on PostgreSQL, through the durable RolloutRuntime — peak RSS, scheduler lag (timer due → its
// event stored) and events/s — beside the pure state machine driving the same runs in memory.
// Each row runs in a process of its own. Usage:
//   node bench/rollouts/run.mjs [runs=1000] [interval_s=1] [--only=sqlite|postgres] [--timeout=180]
//                               [--dist] [--record]
// Sources run through tsx (`--conditions=sluice-source`) unless --dist (after `npx tsc -b`).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
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
const runs = Number(args[0] ?? 1000);
const interval = Number(args[1] ?? 1);
const timeoutS = Number(flags.timeout ?? 180);
const dialects = flags.only ? [flags.only] : ['sqlite', 'postgres'];
const loadAtStart = loadavg();
const RSS_TARGET_MB = 300;
const LAG_TARGET_MS = 1000;

if (flags.dist && !existsSync(`${root}packages/server/dist/rollouts/runtime.js`)) {
  console.error('packages/server/dist is missing: run `npx tsc -b packages/server` first, or drop --dist');
  process.exit(2);
}
const nodeArgs = flags.dist
  ? ['--expose-gc']
  : ['--expose-gc', '--import', 'tsx', '--conditions=sluice-source'];

/** Runs one row in its own process; its last stdout line is the JSON result. */
function row(script, rowArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, `${here}${script}`, ...rowArgs], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    // the fleet stops itself at the timeout; this is the backstop if it hangs anyway
    const kill = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 60) * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) reject(new Error(`${script} ${rowArgs.join(' ')} exited (${code ?? signal})`));
      else resolve(JSON.parse(last));
    });
  });
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (v) => (v === null || v === undefined ? '—' : `${Math.round(v).toLocaleString('en')} ms`);
const rate = (count, wallMs) => Math.round(count / (wallMs / 1000));
const perEvent = (r) => `${((r.cpuMs / r.events) * 1000).toFixed(0)} µs`;

console.error(`bench/rollouts: ${runs} runs, interval ${interval} s, timeout ${timeoutS} s`);
const results = [];
let pure;
let failed = false;
try {
  pure = await row('pure.mjs', [String(runs), String(interval)]);
  for (const dialect of dialects) {
    const r = await row('fleet.mjs', [dialect, String(runs), String(interval), String(timeoutS)]);
    results.push(r);
    if (r.timedOut || r.ended !== runs || (r.outcomes.succeeded ?? 0) !== runs) failed = true;
  }
} catch (error) {
  console.error(`bench/rollouts failed: ${error.message}`);
  process.exit(1);
}

const pureRate = rate(pure.events, pure.wallMs);
const lines = [
  '| row | runs ended (succeeded) | wall | events | events/s | status changes/s | vs pure | CPU per event (this process) | timer lag p50 / p99 / max | peak RSS (idle before) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  `| pure state machine, in memory (no DB, virtual clock) | ${pure.ended} (${pure.outcomes.succeeded ?? 0}) | ${ms(pure.wallMs)} | ${pure.events.toLocaleString('en')} | ${pureRate.toLocaleString('en')} | ${rate(pure.statusChanges, pure.wallMs).toLocaleString('en')} | 1 | ${perEvent(pure)} | — | ${mb(pure.peakRss)} |`,
];
for (const r of results) {
  const eventsRate = rate(r.events, r.wallMs);
  lines.push(
    `| RolloutRuntime on ${r.dialect === 'sqlite' ? 'SQLite (WAL file)' : 'PostgreSQL 127.0.0.1'} | ${r.ended} (${r.outcomes.succeeded ?? 0})${r.timedOut ? ' **timed out**' : ''} | ${ms(r.wallMs)} (starts ${ms(r.startedMs)}) | ${r.events.toLocaleString('en')} | ${eventsRate.toLocaleString('en')} | ${rate(r.statusChanges, r.wallMs).toLocaleString('en')} | ${(eventsRate / pureRate).toFixed(2)} | ${perEvent(r)} | ${ms(r.lagP50)} / ${ms(r.lagP99)} / ${ms(r.lagMax)} (${r.timers.toLocaleString('en')} timers) | ${mb(r.peakRss)} (${mb(r.rssBefore)}) |`,
  );
}
const verdicts = results.map(
  (r) =>
    `${r.dialect}: RSS ${mb(r.peakRss)} ${r.peakRss < RSS_TARGET_MB * 2 ** 20 ? '<' : '≥'} ${RSS_TARGET_MB} MB (${r.peakRss < RSS_TARGET_MB * 2 ** 20 ? 'met' : 'NOT met'}), ` +
    `lag p99 ${ms(r.lagP99)} ${r.lagP99 !== null && r.lagP99 < LAG_TARGET_MS ? '<' : '≥'} ${LAG_TARGET_MS} ms (${r.lagP99 !== null && r.lagP99 < LAG_TARGET_MS ? 'met' : 'NOT met'})`,
);
const [sqlite, postgres] = ['sqlite', 'postgres'].map((d) => results.find((r) => r.dialect === d));
const ratio =
  sqlite && postgres
    ? `PostgreSQL / SQLite: events/s ${(rate(postgres.events, postgres.wallMs) / rate(sqlite.events, sqlite.wallMs)).toFixed(2)}×, lag p99 ${(postgres.lagP99 / Math.max(1, sqlite.lagP99)).toFixed(2)}×, peak RSS ${(postgres.peakRss / sqlite.peakRss).toFixed(2)}×.`
    : '';
const minimum = `Each run needs at least ${4 * interval} s of timers (4 canary steps of ${interval} s), so events/s is bounded by the plan, not only by the runtime.`;
const table = [lines.join('\n'), `Targets: ${verdicts.join('; ')}.`, ratio, minimum]
  .filter(Boolean)
  .join('\n\n');
console.log(table);

if (flags.record) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const build = flags.dist ? 'npx tsc -b packages/server && ' : '';
  const command = `${build}node bench/rollouts/run.mjs ${process.argv.slice(2).join(' ')}`;
  appendFileSync(
    `${root}bench/RESULTS.md`,
    `\n## bench/rollouts — ${new Date().toISOString().slice(0, 10)}\n\n` +
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
      `load average at the end ${load} (1/5/15 min; at the start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}). Command: \`${command}\` (${flags.dist ? 'built packages' : 'sources through tsx'}; ` +
      `each row in a process of its own; ${runs} runs started at once, each a canary 10 → 40 → 70 → 100 % ` +
      `every ${interval} s judged on scripted healthy metrics).\n\n${table}\n`,
  );
}
if (failed) {
  console.error('bench/rollouts: not every run succeeded in time (see the table)');
  process.exitCode = 1;
}
