// bench/ofrep: OFREP evaluation over HTTP on loopback — Sluice's single-flag and bulk (50 flags)
// evaluation, compared in the same run with @unleash/proxy serving the same 50 flags (50 %
// sticky rollouts) from a bootstrap. Each server is pinned to CPU 1 (`taskset -c 1`), the load
// generator (autocannon, in this process) to CPU 0. Requests cycle through 10,000 users, built
// once before the run so the load generator spends its CPU on sockets, not on building requests.
// Besides req/s and latency, each row reports the server's CPU time per request (from
// /proc/<pid>/stat): on a machine shared with other work it moves less than req/s does.
// Needs `npm install --prefix bench`. Usage:
//   node bench/ofrep/run.mjs [seconds=10] [connections=10] [rounds=3] [--rate=N] [--record]
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildSluice } from './build.mjs';
import {
  cpuMicros,
  here,
  loadAutocannon,
  load as loadWith,
  root,
  start,
  stopAll,
  USERS,
} from './harness.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const record = process.argv.includes('--record');
// --rate=N: every row paced at N req/s instead of as fast as it answers. Flat out, a faster
// server wakes up for more requests at a time, so its CPU per request is lower for that reason
// too; at one rate for all, CPU per request compares the work alone (rows that cannot keep
// up with N stay flat out).
const rate = Number(process.argv.find((a) => a.startsWith('--rate='))?.slice(7) ?? 0);
const seconds = Number(args[0] ?? 10);
const connections = Number(args[1] ?? 10);
const rounds = Number(args[2] ?? 3);

if (!process.env.OFREP_BENCH_PINNED) {
  const r = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, OFREP_BENCH_PINNED: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const autocannon = await loadAutocannon();
const loadAtStart = loadavg()[0];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const load = (url, headers, bodyOf, extra = {}) =>
  loadWith(autocannon, { url, headers, bodyOf, connections, seconds, rate, ...extra });

async function measure(label, server, url, headers, bodyOf, expectStatus = '2xx') {
  await load(url, headers, bodyOf, { seconds: 2 }); // warm-up: JIT, caches, connections
  const cpuBefore = cpuMicros(server.pid);
  const r = await load(url, headers, bodyOf);
  const cpu = cpuMicros(server.pid) - cpuBefore;
  const bad = expectStatus === '2xx' ? r.non2xx + r.errors : r.errors;
  return {
    label,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuPerRequest: cpu / Math.max(1, r.requests.total),
    bad,
    total: r.requests.total,
  };
}

// as users run it (`npm start` runs the compiled build): built first, no source transform
buildSluice(root);
const sluice = await start('sluice', [`${here}sluice-server.mjs`, '0'], root);
const unleash = await start('unleash-proxy', [`${here}unleash-proxy.mjs`, '0'], `${root}bench`);
const echo = await start('fastify-echo', [`${here}fastify-echo.mjs`, '0'], root);
const nodeEcho = await start('node-echo', [`${here}node-echo.mjs`, '0'], root);
const sAuth = { authorization: `Bearer ${sluice.token}` };
const uAuth = { authorization: unleash.token };

// the ETag of a bulk answer for a fixed context, for the 304 row, and its size, for the
// calibration server that answers as many bytes
const bulkAnswer = await fetch(`${sluice.url}/ofrep/v1/evaluate/flags`, {
  method: 'POST',
  headers: { ...sAuth, 'content-type': 'application/json' },
  body: JSON.stringify({ context: { targetingKey: 'fixed' } }),
});
const etag = bulkAnswer.headers.get('etag');
const bulkBytes = Buffer.byteLength(await bulkAnswer.text());
const nodeEchoBulk = await start('node-echo-bulk', [`${here}node-echo.mjs`, '0', String(bulkBytes)], root);
const engineEcho = await start('engine-echo', [`${here}engine-echo.mjs`, '0'], root);
const engineInSluice = await start('engine-in-sluice', [`${here}engine-in-sluice.mjs`, '0'], root);
const eAuth = { authorization: `Bearer ${engineInSluice.token}` };

// Rows alternate between the systems and repeat `rounds` times; on a shared machine the best
// round of each row is the one least disturbed by other work (the median is printed too).
const scenarios = [
  [
    'Sluice OFREP single flag',
    sluice,
    `${sluice.url}/ofrep/v1/evaluate/flags/feature-07`,
    sAuth,
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    'unleash-proxy single toggle (POST /proxy, toggles: [1])',
    unleash,
    `${unleash.url}/proxy`,
    uAuth,
    (u) => ({ context: { userId: u }, toggles: ['feature-07'] }),
  ],
  [
    'Sluice OFREP bulk, 50 flags',
    sluice,
    `${sluice.url}/ofrep/v1/evaluate/flags`,
    sAuth,
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    'unleash-proxy all 50 toggles (POST /proxy/all)',
    unleash,
    `${unleash.url}/proxy/all`,
    uAuth,
    (u) => ({ context: { userId: u } }),
  ],
  [
    'calibration: bare Fastify JSON POST (no flags, no auth)',
    echo,
    `${echo.url}/echo`,
    {},
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    'calibration: bare node:http JSON POST (no flags, no auth)',
    nodeEcho,
    `${nodeEcho.url}/echo`,
    {},
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    'Sluice OFREP bulk, If-None-Match → 304',
    sluice,
    `${sluice.url}/ofrep/v1/evaluate/flags`,
    { ...sAuth, 'if-none-match': etag },
    () => ({ context: { targetingKey: 'fixed' } }),
    '304',
  ],
  [
    `calibration: bare node:http JSON POST, ${fmt(bulkBytes)}-byte answer (the bulk's size)`,
    nodeEchoBulk,
    `${nodeEchoBulk.url}/echo`,
    {},
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    "calibration: bare node:http evaluating the 50 flags with Sluice's engine (the bulk's work, nothing else)",
    engineEcho,
    `${engineEcho.url}/ofrep/v1/evaluate/flags`,
    {},
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    "calibration: bare node:http evaluating the one flag with Sluice's engine (the single's work, nothing else)",
    engineEcho,
    `${engineEcho.url}/ofrep/v1/evaluate/flags/feature-07`,
    {},
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    "calibration: Sluice's process answering the one flag with the engine's work only (engine-in-sluice.mjs)",
    engineInSluice,
    `${engineInSluice.url}/ofrep/v1/evaluate/flags/feature-07`,
    eAuth,
    (u) => ({ context: { targetingKey: u } }),
  ],
  [
    "calibration: Sluice's process answering the 50 flags with the engine's work only (engine-in-sluice.mjs)",
    engineInSluice,
    `${engineInSluice.url}/ofrep/v1/evaluate/flags`,
    eAuth,
    (u) => ({ context: { targetingKey: u } }),
  ],
];
const runs = scenarios.map(() => []);
for (let round = 0; round < rounds; round++)
  for (const [i, s] of scenarios.entries()) runs[i].push(await measure(...s));
const rows = runs.map((r) => {
  const sorted = [...r].sort((a, b) => b.rps - a.rps);
  return {
    ...sorted[0],
    median: sorted[Math.floor(sorted.length / 2)].rps,
    bad: r.reduce((n, x) => n + x.bad, 0),
  };
});
stopAll();

const table = [
  '| system / request | req/s (best round) | p50 | p99 | req/s (median round) | server CPU µs/request (best round) | failed |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${fmt(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${fmt(r.median)} | ${fmt(r.cpuPerRequest)} | ${r.bad} |`,
  ),
];
// rows: 0 Sluice single, 1 unleash single, 2 Sluice bulk, 3 unleash bulk, 4 Fastify, 5 node:http,
// 6 Sluice 304, 7 node:http with a bulk-sized answer, 8 node:http evaluating the 50 flags,
// 9 node:http evaluating the one flag, 10 and 11 Sluice's process evaluating the one flag and the
// 50 flags with the engine's work only
const ratio = (a, b) => (rows[a].rps / rows[b].rps).toFixed(1);
const cpuRatio = (a, b) => (rows[b].cpuPerRequest / rows[a].cpuPerRequest).toFixed(1);
const toCeiling = (a, b) => (rows[b].cpuPerRequest / rows[a].cpuPerRequest).toFixed(2);
const summary = [
  `Ratio Sluice / unleash-proxy: single ${ratio(0, 1)}×, bulk ${ratio(2, 3)}×. ` +
    `Sluice single / bare Fastify: ${ratio(0, 4)}×, / bare node:http: ${ratio(0, 5)}×.`,
  `Server CPU per request, unleash-proxy / Sluice: single ${cpuRatio(0, 1)}×, bulk ${cpuRatio(2, 3)}×.`,
  `Ceiling of a Node server doing no work, / unleash-proxy: single ${ratio(5, 1)}×, bulk-sized ${ratio(7, 3)}× ` +
    `(CPU per request ${cpuRatio(5, 1)}×, ${cpuRatio(7, 3)}×).`,
  `Ratio to the same-run ceiling (its CPU per request ÷ Sluice's): single ${toCeiling(0, 5)} ` +
    `(target 0.8: ${Number(toCeiling(0, 5)) >= 0.8 ? 'met' : 'not met'}), bulk ${toCeiling(2, 7)} ` +
    `(target 0.7: ${Number(toCeiling(2, 7)) >= 0.7 ? 'met' : 'not met'}); to the server that evaluates ` +
    `the same flags and does nothing else: single ${toCeiling(0, 9)}, bulk ${toCeiling(2, 8)}; that server ` +
    `to the bare ceiling: single ${toCeiling(9, 5)}, bulk ${toCeiling(8, 7)}.`,
  `In Sluice's own process (its code, heap and timers; the engine's work only): Sluice ÷ it, the cost of ` +
    `Sluice's per-request work: single ${toCeiling(0, 10)}, bulk ${toCeiling(2, 11)}; the bare engine-only ` +
    `server ÷ it, the cost of a process of Sluice's size: single ${toCeiling(10, 9)}, bulk ${toCeiling(11, 8)}; ` +
    `it to the bare ceiling: single ${toCeiling(10, 5)}, bulk ${toCeiling(11, 7)}.`,
  `Targets: ≥ 10× unleash-proxy (${Number(ratio(0, 1)) >= 10 && Number(ratio(2, 3)) >= 10 ? 'met' : 'not met'}), ` +
    `p99 < 5 ms (${rows[0].p99 < 5 && rows[2].p99 < 5 ? 'met' : 'not met'}).`,
];
console.log(
  [...table, '', ...summary, `Load average: ${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}.`].join(
    '\n',
  ),
);

if (record) {
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
  appendFileSync(
    `${root}bench/RESULTS.md`,
    `\n## bench/ofrep — ${date}\n\nMachine: ${machine}. Command: \`node bench/ofrep/run.mjs ${seconds} ${connections} ${rounds} --record\` ` +
      `(servers on CPU 1, autocannon on CPU 0, ${connections} connections, ${seconds} s after a 2 s warm-up, best of ${rounds} alternating rounds, users cycling through ${fmt(USERS)} prebuilt requests; ` +
      `@unleash/proxy 1.4.9 from a bootstrap of the same 50 flags as 50 % sticky rollouts).\n\n${table.join('\n')}\n\n${summary.join('\n')}\n`,
  );
}
