// bench/traffic/haproxy-driven: does Sluice driving HAProxy cost HAProxy anything? The same wrk
// load through two identical HAProxy processes (1 thread, roundrobin, http-reuse always):
// "plain" with its two servers written in the config at 90:10, "driven" with its servers added
// by Sluice's haproxy traffic provider (runtime API: add server, set weight, enable), measured
// once as they are and once while the provider changes the weights 100 times during the run,
// through the same setWeights() a rollout calls. Reports HAProxy's CPU per request (user +
// system from /proc) and failed requests. Each round measures all three, in alternating order,
// so the machine's other load falls on each.
// Needs wrk, nginx, haproxy and a built server: npx tsc -b packages/server.
// Usage: node bench/traffic/haproxy-driven.mjs [seconds=10] [connections=32] [rounds=3]
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHaproxyProvider } from '@sluice/server/traffic';
import {
  cpuSeconds,
  fmt,
  freshWorkDir,
  loadavg,
  requireTools,
  start,
  startUpstreams,
  stopAll,
  waitForPort,
  wrk,
  wrkAsync,
} from './harness.mjs';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
const CHANGES = 100;
const PORTS = { blue: 18281, green: 18282, plain: 18283, driven: 18284 };

requireTools(['wrk', 'nginx', 'haproxy']);
const work = freshWorkDir('haproxy-driven');
startUpstreams(work, PORTS); // stopped with the rest by stopAll()

// One config for both; only the servers differ (written here, or added by the provider).
const haproxyConfig = (port, servers, socket) => `global
  nbthread 1
${socket ? `  stats socket ${socket} mode 600 level admin\n` : ''}defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend app
backend app
  balance roundrobin
${servers}`;
writeFileSync(
  `${work}/plain.cfg`,
  haproxyConfig(
    PORTS.plain,
    `  server blue 127.0.0.1:${PORTS.blue} weight 90\n  server green 127.0.0.1:${PORTS.green} weight 10\n`,
  ),
);
const socket = `${work}/driven.sock`;
writeFileSync(`${work}/driven.cfg`, haproxyConfig(PORTS.driven, '', socket));
const plain = start('haproxy', ['-f', `${work}/plain.cfg`, '-db']);
const driven = start('haproxy', ['-f', `${work}/driven.cfg`, '-db']);
await Promise.all(Object.values(PORTS).map(waitForPort));

const provider = createHaproxyProvider({ socket, backend: 'app' });
await provider.setBackends({
  blue: [`http://127.0.0.1:${PORTS.blue}`],
  green: [`http://127.0.0.1:${PORTS.green}`],
});
await provider.setWeights({ blue: 90, green: 10 });

/** 100 setWeights spread over the run (from 5 % to 85 % of it), walking blue 90 → 50 → 90. */
async function changeWeights(runMs) {
  const t0 = performance.now();
  let applied = 0;
  for (let i = 0; i < CHANGES; i++) {
    const due = t0 + runMs * (0.05 + (0.8 * i) / CHANGES);
    await sleep(Math.max(0, due - performance.now()));
    const step = i % 20; // 0..19: down 10 steps of 4 points, then back up
    const blue = step < 10 ? 90 - 4 * step : 50 + 4 * (step - 10);
    const back = await provider.setWeights({ blue, green: 100 - blue });
    if (back.weights.blue !== blue)
      throw new Error(`read back ${JSON.stringify(back.weights)}, wanted blue ${blue}`);
    applied++;
  }
  await provider.setWeights({ blue: 90, green: 10 });
  return { applied, lastAtMs: performance.now() - t0 };
}

async function measure(name, port, pid, drive) {
  wrk(port, 2, connections); // warm-up: connections
  const cpu = cpuSeconds(pid);
  const [r, changes] = await Promise.all([
    wrkAsync(port, seconds, connections),
    drive ? changeWeights(seconds * 1000) : Promise.resolve(null),
  ]);
  r.cpuUs = ((cpuSeconds(pid) - cpu) / r.requests) * 1e6;
  return { name, changes, ...r };
}

const loads = [loadavg()];
const rows = [];
for (let round = 1; round <= rounds; round++) {
  // Alternate which goes first, so neither always follows the other's leftovers.
  const order = [
    ['plain', 'HAProxy 1 thread (plain)', PORTS.plain, plain.pid, false],
    ['idle', 'HAProxy, servers added by the provider, no weight changes', PORTS.driven, driven.pid, false],
    [
      'driven',
      "HAProxy driven by Sluice's haproxy provider during weight changes",
      PORTS.driven,
      driven.pid,
      true,
    ],
  ];
  if (round % 2 === 0) order.reverse();
  for (const [kind, name, port, pid, drive] of order) {
    rows.push({ round, kind, ...(await measure(name, port, pid, drive)) });
  }
}
loads.push(loadavg());
await provider.close();
stopAll();

console.log(
  `\n${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; wrk -t1 -c${connections} -d${seconds}s, ` +
    `${rounds} rounds; load average ${loads.join(' → ')}.\n`,
);
console.log(
  '| round | system | req/s | p99 ms | non-2xx | socket errors | weight changes (last at) | HAProxy CPU µs/request |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const changes = r.changes ? `${r.changes.applied} (${fmt(r.changes.lastAtMs / 1000, 1)} s)` : '—';
  console.log(
    `| ${r.round} | ${r.name} | ${fmt(r.rps, 0)} | ${fmt(r.p99)} | ${r.errors} | ${r.socketErrors} | ${changes} | ${fmt(r.cpuUs, 2)} |`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuOf = (kind) => median(rows.filter((r) => r.kind === kind).map((r) => r.cpuUs));
const [plainCpu, idleCpu, drivenCpu] = [cpuOf('plain'), cpuOf('idle'), cpuOf('driven')];
const non2xx = rows.reduce((n, r) => n + r.errors, 0);
const socketErrorRows = rows.filter((r) => r.socketErrors !== 'none').length;
console.log(
  `\nMedian HAProxy CPU µs/request: plain ${fmt(plainCpu)}, provider's servers without changes ${fmt(idleCpu)}, ` +
    `driven ${fmt(drivenCpu)}; driven ÷ plain ${fmt(drivenCpu / plainCpu, 3)} ` +
    `(target ≤ 1.05). Non-2xx responses: ${non2xx}; runs with socket errors: ${socketErrorRows} (target 0 and 0).`,
);
process.exitCode = non2xx === 0 && socketErrorRows === 0 ? 0 : 1;
