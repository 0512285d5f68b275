import { cpus } from 'node:os';
import {
  buildRouter,
  cpuSeconds,
  fmt,
  freshWorkDir,
  loadavg,
  requireTools,
  root,
  start,
  startNginxProxy,
  startUpstreams,
  stopAll,
  waitForPort,
  wrk,
} from './harness.mjs';

const here = `${root}bench/traffic/`;
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
const modes = (process.argv[5] ?? 'static,agent,agent-raw,undici-request,undici-dispatch,undici-hold').split(
  ',',
);
const before = process.argv[6];

requireTools(['wrk', 'nginx']);
buildRouter();
const work = freshWorkDir('traffic-clients');
const ports = { blue: 18181, green: 18182, nginx: 18192, sluice: 18190, sluiceAdmin: 18191 };
startUpstreams(work, ports);
const nginxProxy = startNginxProxy(work, ports);
const router = start(process.execPath, [
  `${here}sluice-router.mjs`,
  String(ports.sluice),
  String(ports.sluiceAdmin),
  `http://127.0.0.1:${ports.blue}`,
  `http://127.0.0.1:${ports.green}`,
]);
const systems = [['NGINX 1 worker (90:10)', ports.nginx, nginxProxy.pid]];
modes.forEach((mode, i) => {
  const port = 18200 + i;
  const child = start(process.execPath, [`${here}proto-proxy.mjs`, mode, String(port), String(ports.blue)]);
  systems.push([
    mode === 'static' ? 'node:http answering from memory' : `bare node:http + ${mode}`,
    port,
    child.pid,
  ]);
});
systems.push(['Sluice router (90:10)', ports.sluice, router.pid]);
if (before) {
  const port = 18199;
  const child = start(process.execPath, [
    `${here}sluice-router.mjs`,
    String(port),
    '0',
    `http://127.0.0.1:${ports.blue}`,
    `http://127.0.0.1:${ports.green}`,
    before,
  ]);
  systems.push([`Sluice router, build ${before.replace(/^.*\.work\//, '')} (90:10)`, port, child.pid]);
}
await Promise.all([...Object.values(ports), ...systems.map(([, p]) => p)].map(waitForPort));

const results = new Map(systems.map(([name]) => [name, []]));
const loads = [loadavg()];
for (let round = 0; round < rounds; round++) {
  // A different order each round (rotated, every other one reversed): a row always measured
  // right after the same other one carries that one's leftovers (caches, the machine's state).
  const order = [...systems.slice(round % systems.length), ...systems.slice(0, round % systems.length)];
  if (round % 2 === 1) order.reverse();
  for (const [name, port, pid] of order) {
    wrk(port, 2, connections); // warm-up: connections, JIT
    const cpu = cpuSeconds(pid);
    const r = wrk(port, seconds, connections);
    r.cpuUs = ((cpuSeconds(pid) - cpu) / r.requests) * 1e6;
    results.get(name).push(r);
  }
  loads.push(loadavg());
}
stopAll();

console.log(
  `\n${cpus().length} cores, Node ${process.version}; wrk -t1 -c${connections} -d${seconds}s, ${rounds} rounds; load average ${loads.join(' → ')}\n`,
);
const head = Array.from({ length: rounds }, (_, r) => `req/s r${r + 1} (÷ NGINX)`).join(' | ');
console.log(`| system | ${head} | CPU µs/request | NGINX CPU ÷ this | p99 ms per round | failed |`);
console.log(`|---|${'---|'.repeat(rounds)}---|---|---|---|`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nginx = results.get(systems[0][0]);
const nginxCpu = median(nginx.map((r) => r.cpuUs));
for (const [name] of systems) {
  const rs = results.get(name);
  const cells = rs.map((r, i) => `${fmt(r.rps, 0)} (${fmt(r.rps / nginx[i].rps)})`).join(' | ');
  const cpu = median(rs.map((r) => r.cpuUs));
  const p99 = rs.map((r) => fmt(r.p99)).join(' / ');
  const failed = rs.reduce((n, r) => n + r.errors, 0);
  const sockets = rs.map((r) => r.socketErrors).filter((s) => s !== 'none');
  console.log(
    `| ${name} | ${cells} | ${fmt(cpu, 1)} | ${fmt(nginxCpu / cpu)} | ${p99} | ${failed}${sockets.length ? `; ${sockets.join('; ')}` : ''} |`,
  );
}
console.log(
  '\nCPU µs/request: user + system time of the proxy process (and its workers), median of the rounds.',
);
