import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  buildRouter,
  cpuSeconds,
  fmt,
  freshWorkDir,
  loadavg,
  requireTools,
  start,
  startNginxProxy,
  startUpstreams,
  stopAll,
  waitForPort,
  wrk,
} from './harness.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const _root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const PORTS = {
  blue: 18081,
  green: 18082,
  sluice: 18090,
  sluiceAdmin: 18091,
  nginx: 18092,
  haproxy: 18093,
  bareNode: 18094,
  bareUndici: 18095,
  sluice2: 18096,
  sluice2Admin: 18097,
};

requireTools(['wrk', 'nginx', 'haproxy']);
// Incremental: cheap when the build is current, and never benchmarks stale code.
buildRouter();
const work = freshWorkDir('traffic');

const upstreams = startUpstreams(work, PORTS);
const nginx = startNginxProxy(work, PORTS);
writeFileSync(
  `${work}/haproxy.cfg`,
  `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${PORTS.haproxy}
  default_backend app
backend app
  balance roundrobin
  server blue 127.0.0.1:${PORTS.blue} weight 90
  server green 127.0.0.1:${PORTS.green} weight 10
`,
);
const haproxy = start('haproxy', ['-f', `${work}/haproxy.cfg`, '-db']);
const router = start(process.execPath, [
  `${here}sluice-router.mjs`,
  String(PORTS.sluice),
  String(PORTS.sluiceAdmin),
  `http://127.0.0.1:${PORTS.blue}`,
  `http://127.0.0.1:${PORTS.green}`,
]);
// The same router with two worker processes (and its primary, which accepts and counts).
const router2 = start(process.execPath, [
  `${here}sluice-router.mjs`,
  String(PORTS.sluice2),
  String(PORTS.sluice2Admin),
  `http://127.0.0.1:${PORTS.blue}`,
  `http://127.0.0.1:${PORTS.green}`,
  '',
  '2',
]);
const bareNode = start(process.execPath, [
  `${here}bare-node-proxy.mjs`,
  String(PORTS.bareNode),
  String(PORTS.blue),
]);
const bareUndici = start(process.execPath, [
  `${here}proto-proxy.mjs`,
  'undici-dispatch',
  String(PORTS.bareUndici),
  String(PORTS.blue),
]);
await Promise.all(Object.values(PORTS).map(waitForPort));

const systems = [
  ['upstream direct (no proxy)', PORTS.blue, upstreams.pid],
  ['bare node:http proxy, http.Agent (no split)', PORTS.bareNode, bareNode.pid],
  ['bare node:http proxy, undici (no split)', PORTS.bareUndici, bareUndici.pid],
  ['Sluice router (Node)', PORTS.sluice, router.pid],
  ['Sluice router, 2 workers (primary + workers)', PORTS.sluice2, router2.pid],
  ['NGINX 1 worker', PORTS.nginx, nginx.pid],
  ['HAProxy 1 thread', PORTS.haproxy, haproxy.pid],
];
const loads = [loadavg()];
const rows = [];
for (const [name, port, pid] of systems) {
  wrk(port, 2, connections); // warm-up: connections, JIT
  const cpu = cpuSeconds(pid);
  const own = cpuSeconds(pid, { children: false });
  const r = wrk(port, seconds, connections);
  r.cpuUs = ((cpuSeconds(pid) - cpu) / r.requests) * 1e6;
  r.ownCpuUs = ((cpuSeconds(pid, { children: false }) - own) / r.requests) * 1e6;
  rows.push([name, r]);
}
loads.push(loadavg());

// The split the router actually made over the whole run (warm-up included).
const versions = await fetch(`http://127.0.0.1:${PORTS.sluiceAdmin}/versions?windowMs=600000`).then((r) =>
  r.json(),
);
const versions2 = await fetch(`http://127.0.0.1:${PORTS.sluice2Admin}/versions?windowMs=600000`).then((r) =>
  r.json(),
);
stopAll();

const sluiceRps = rows.find(([n]) => n.startsWith('Sluice'))?.[1].rps ?? Number.NaN;
console.log(
  `\n${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `wrk -t1 -c${connections} -d${seconds}s; everything on one machine, sharing the cores; ` +
    `load average ${loads.join(' → ')}.\n`,
);
console.log(
  '| system | req/s | p50 ms | p99 ms | non-2xx | socket errors | Sluice req/s ÷ this | CPU µs/request |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${r.socketErrors} | ${fmt(sluiceRps / r.rps)} | ${fmt(r.cpuUs, 1)} |`,
  );
}
const split = versions.versions.map((v) => `${v.version} ${v.totals.requests}`).join(', ');
console.log(`\nSluice split over the run (90/10 configured): ${split}`);
const split2 = versions2.versions.map((v) => `${v.version} ${v.totals.requests}`).join(', ');
console.log(`Sluice with 2 workers, split counted by its primary: ${split2}`);
const row = (prefix) => rows.find(([n]) => n.startsWith(prefix))?.[1];
const [sluice, bare, two] = [
  row('Sluice router (Node)'),
  row('bare node:http proxy, undici'),
  row('Sluice router, 2'),
];
console.log(
  `Router ÷ bare undici proxy: req/s ${fmt(sluice.rps / bare.rps)}, CPU per request (bare ÷ router) ${fmt(bare.cpuUs / sluice.cpuUs)}; ` +
    `2 workers ÷ 1: req/s ${fmt(two.rps / sluice.rps)}, CPU per request ${fmt(two.cpuUs / sluice.cpuUs)} ` +
    `(of the 2-worker router's ${fmt(two.cpuUs, 1)} µs, its primary ${fmt(two.ownCpuUs, 1)}).`,
);
console.log(
  'CPU µs/request: user + system time of that process and its children (NGINX: master + worker; ' +
    'the 2-worker router: primary + workers) per request.',
);
