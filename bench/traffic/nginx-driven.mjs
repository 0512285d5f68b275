// bench/traffic/nginx-driven: does Sluice driving NGINX cost NGINX anything? The same wrk load
// through two NGINX processes (1 worker each, same main config): "plain" with its 90:10 split
// upstream written by hand, "driven" with the include Sluice's nginx traffic provider renders
// and applies (nginx -t, nginx -s reload, read-back from the status port), measured once as it
// is and once while the provider changes the weights 100 times during the run, through the same
// setWeights() a rollout calls. Each change is a graceful reload: new workers, old ones finish
// their requests and exit. Reports NGINX's CPU per request (master + live workers + workers that
// exited during the run, from /proc) and failed requests (non-2xx, socket errors). Each round
// measures all three, in alternating order, so the machine's other load falls on each.
// Needs wrk, nginx and a built server: npx tsc -b packages/server.
// Usage: node bench/traffic/nginx-driven.mjs [seconds=10] [connections=32] [rounds=3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNginxProvider, writeInitialNginxConfig } from '@sluice/server/traffic';
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
const PORTS = { blue: 18381, green: 18382, plain: 18383, driven: 18384, status: 18385 };

requireTools(['wrk', 'nginx']);
const work = freshWorkDir('nginx-driven');
startUpstreams(work, PORTS); // stopped with the rest by stopAll()

/** One main config for both; only the include differs (hand-written, or the provider's). */
function startNginx(name, include) {
  const dir = `${work}/${name}`;
  mkdirSync(`${dir}/tmp`, { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`)
    .join('\n');
  writeFileSync(
    `${dir}/nginx.conf`,
    `daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  include ${include};
}
`,
  );
  return { dir, mainConfig: `${dir}/nginx.conf` };
}

const plainConf = startNginx('plain', `${work}/plain-split.conf`);
writeFileSync(
  `${work}/plain-split.conf`,
  `upstream app { server 127.0.0.1:${PORTS.blue} weight=90; server 127.0.0.1:${PORTS.green} weight=10; keepalive 16; }
server { listen 127.0.0.1:${PORTS.plain};
  location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } }
`,
);
const drivenInclude = `${work}/driven/sluice-app.conf`;
const drivenConf = startNginx('driven', drivenInclude);
const options = {
  service: 'app',
  configPath: drivenInclude,
  mainConfig: drivenConf.mainConfig,
  prefix: `${drivenConf.dir}/`,
  binary: '/usr/sbin/nginx',
  listen: `127.0.0.1:${PORTS.driven}`,
  statusListen: `127.0.0.1:${PORTS.status}`,
};
await writeInitialNginxConfig(options);
const plain = start('nginx', ['-p', `${plainConf.dir}/`, '-c', plainConf.mainConfig]);
const driven = start('nginx', ['-p', `${drivenConf.dir}/`, '-c', drivenConf.mainConfig]);
await Promise.all([PORTS.blue, PORTS.green, PORTS.plain, PORTS.status].map(waitForPort));

const provider = createNginxProvider(options);
await provider.setBackends({
  blue: [`http://127.0.0.1:${PORTS.blue}`],
  green: [`http://127.0.0.1:${PORTS.green}`],
});
await provider.setWeights({ blue: 90, green: 10 });
await waitForPort(PORTS.driven);

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
  const cpu = cpuSeconds(pid, { reaped: true });
  const [r, changes] = await Promise.all([
    wrkAsync(port, seconds, connections),
    drive ? changeWeights(seconds * 1000) : Promise.resolve(null),
  ]);
  // the old workers of the last reloads finish and are reaped before the figure is read
  if (drive) await sleep(500);
  r.cpuUs = ((cpuSeconds(pid, { reaped: true }) - cpu) / r.requests) * 1e6;
  return { name, changes, ...r };
}

const loads = [loadavg()];
const rows = [];
for (let round = 1; round <= rounds; round++) {
  const order = [
    ['plain', 'NGINX 1 worker (plain)', PORTS.plain, plain.pid, false],
    ['idle', "NGINX, the provider's config, no weight changes", PORTS.driven, driven.pid, false],
    [
      'driven',
      "NGINX driven by Sluice's nginx provider during weight changes",
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
await provider.close?.();
stopAll();

console.log(
  `\n${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; wrk -t1 -c${connections} -d${seconds}s, ` +
    `${rounds} rounds; load average ${loads.join(' → ')}.\n`,
);
console.log(
  '| round | system | req/s | p99 ms | non-2xx | socket errors | weight changes (last at) | NGINX CPU µs/request |',
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
  `\nMedian NGINX CPU µs/request: plain ${fmt(plainCpu)}, provider's config without changes ${fmt(idleCpu)}, ` +
    `driven ${fmt(drivenCpu)}; driven ÷ plain ${fmt(drivenCpu / plainCpu, 3)}. ` +
    `Non-2xx responses: ${non2xx}; runs with socket errors: ${socketErrorRows} (target 0 and 0).`,
);
process.exitCode = non2xx === 0 && socketErrorRows === 0 ? 0 : 1;
