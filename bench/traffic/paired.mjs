// bench/traffic/paired: CPU per request of proxies loaded at the same time. Each proxy is pinned
// to CPU 1 and gets its own wrk -c<connections> (wrk and the upstreams on CPU 0), all at once:
// whatever else the machine does falls on every proxy alike, and each round gives each proxy's
// CPU per request and its ratio to the first one's in that round. Measured one after another
// (run.mjs, clients.mjs), a proxy's CPU per request moves with its req/s (more requests per
// wake-up when busier) and with the machine's other load; paired ratios barely do.
// Usage: node bench/traffic/paired.mjs [seconds=8] [rounds=10] [systems=bare,router]
//   systems: `bare` (proto-proxy undici-dispatch), `proto:<mode>` (another proto-proxy mode),
//   `router` (this checkout's build), or another build's dist/index.js (see clients.mjs header).
import { spawnSync } from 'node:child_process';
import {
  buildRouter,
  cpuSeconds,
  fmt,
  freshWorkDir,
  loadavg,
  requireTools,
  root,
  start,
  startUpstreams,
  stopAll,
  waitForPort,
  wrkAsync,
} from './harness.mjs';

const seconds = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 10);
const names = (process.argv[4] ?? 'bare,router').split(',');
const connections = 32;

requireTools(['wrk', 'nginx', 'taskset']);
buildRouter();
// This process, wrk and the upstreams on CPU 0; the proxies on CPU 1.
spawnSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const work = freshWorkDir('traffic-paired');
const ports = { blue: 18881, green: 18882 };
startUpstreams(work, ports);

const onCpu1 = (args) => start('taskset', ['-c', '1', process.execPath, ...args]);
const systems = names.map((name, i) => {
  const port = 18890 + i;
  const upstreams = [`http://127.0.0.1:${ports.blue}`, `http://127.0.0.1:${ports.green}`];
  const child =
    name === 'bare' || name.startsWith('proto:')
      ? onCpu1([
          `${root}bench/traffic/proto-proxy.mjs`,
          name === 'bare' ? 'undici-dispatch' : name.slice('proto:'.length),
          String(port),
          String(ports.blue),
        ])
      : onCpu1([
          `${root}bench/traffic/sluice-router.mjs`,
          String(port),
          '0',
          ...upstreams,
          name === 'router' ? '' : name,
        ]);
  // taskset execs node in place: the pid is the proxy's
  return { name, port, pid: child.pid, cpu: [], rps: [] };
});
await Promise.all([ports.blue, ports.green, ...systems.map((s) => s.port)].map(waitForPort));
await Promise.all(systems.map((s) => wrkAsync(s.port, 2, connections))); // warm-up: connections, JIT

const loads = [loadavg()];
for (let round = 0; round < rounds; round++) {
  const before = systems.map((s) => cpuSeconds(s.pid));
  const results = await Promise.all(systems.map((s) => wrkAsync(s.port, seconds, connections)));
  systems.forEach((s, i) => {
    s.cpu.push(((cpuSeconds(s.pid) - before[i]) / results[i].requests) * 1e6);
    s.rps.push(results[i].rps);
  });
  loads.push(loadavg());
}
stopAll();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const first = systems[0];
console.log(
  `\n${systems.length} proxies on CPU 1 at once, wrk -t1 -c${connections} -d${seconds}s each, ${rounds} rounds; load average ${loads.join(' → ')}\n`,
);
console.log(
  `| system | CPU µs/request, median | per round | ${first.name} CPU ÷ this, median | per round | req/s, median |`,
);
console.log('|---|---|---|---|---|---|');
for (const s of systems) {
  const ratios = s.cpu.map((c, i) => first.cpu[i] / c);
  console.log(
    `| ${s.name} | ${fmt(median(s.cpu), 1)} | ${s.cpu.map((c) => fmt(c, 1)).join(' / ')} | ${fmt(median(ratios), 3)} | ${ratios.map((r) => fmt(r)).join(' / ')} | ${fmt(median(s.rps), 0)} |`,
  );
}
