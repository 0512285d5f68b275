// bench/traffic/latency: the latency a proxy adds at a moderate, fixed rate: about 1,000
// requests/s, one request sent every millisecond (open loop: latency counts from the moment a
// request was due, so a slow answer cannot hold the next ones back) over 16 keep-alive
// connections. The Sluice router and NGINX (1 worker), both splitting 90:10, against the upstream
// hit directly. Rounds are interleaved so the other load on the machine falls on every row alike;
// "added" is a proxy's percentile minus the direct one of the same round. Needs nginx.
// Usage: node bench/traffic/latency.mjs [seconds=10] [rounds=3] [rate=1000]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import {
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
} from './harness.mjs';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const RATE = Number(process.argv[4] ?? 1000);
const CONNECTIONS = 16;

requireTools(['nginx']);
spawnSync('npx', ['tsc', '-b', 'packages/router'], { cwd: root, stdio: 'ignore' });
if (!existsSync(`${root}packages/router/dist/index.js`)) {
  console.error('the router did not build: npx tsc -b packages/router');
  process.exit(2);
}
const work = freshWorkDir('traffic-latency');
const ports = { blue: 18281, green: 18282, nginx: 18292, sluice: 18290, sluiceAdmin: 18291 };
startUpstreams(work, ports);
startNginxProxy(work, ports);
start(process.execPath, [
  `${root}bench/traffic/sluice-router.mjs`,
  String(ports.sluice),
  String(ports.sluiceAdmin),
  `http://127.0.0.1:${ports.blue}`,
  `http://127.0.0.1:${ports.green}`,
]);
await Promise.all(Object.values(ports).map(waitForPort));

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n', 'latin1');

/** One keep-alive connection that sends a request when asked and reports its latency. */
function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const conn = { busy: false, dueAt: 0, onDone: () => {}, socket };
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.toString('latin1', 0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      conn.busy = false;
      conn.onDone(performance.now() - conn.dueAt, head.startsWith('HTTP/1.1 200'));
    });
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
  });
}

/** Requests due every 1000/rate ms for `duration` s, each on a free connection; latencies in ms. */
async function paced(port, duration) {
  const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => openConnection(port)));
  const ms = [];
  let failed = 0;
  const backlog = []; // due times of requests that found every connection busy
  const send = (conn, dueAt) => {
    conn.busy = true;
    conn.dueAt = dueAt;
    conn.socket.write(REQUEST);
  };
  for (const conn of conns) {
    conn.onDone = (latency, ok) => {
      ms.push(latency);
      if (!ok) failed++;
      if (backlog.length > 0) send(conn, backlog.shift());
    };
  }
  const interval = 1000 / RATE;
  const total = Math.round(duration * RATE);
  const start = performance.now() + 5;
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const dueAt = start + sent * interval;
        const free = conns.find((c) => !c.busy);
        if (free) send(free, dueAt);
        else backlog.push(dueAt);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  while (ms.length < total) await new Promise((r) => setTimeout(r, 5));
  for (const c of conns) c.socket.destroy();
  ms.sort((a, b) => a - b);
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? Number.NaN;
  return { rps: total / duration, p50: pct(50), p99: pct(99), p999: pct(99.9), failed };
}

const systems = [
  ['upstream direct (no proxy)', ports.blue],
  ['Sluice router (90:10)', ports.sluice],
  ['NGINX 1 worker (90:10)', ports.nginx],
];
const results = new Map(systems.map(([name]) => [name, []]));
const loads = [loadavg()];
for (let round = 0; round < rounds; round++) {
  for (const [name, port] of systems) {
    await paced(port, 2); // warm-up
    results.get(name).push(await paced(port, seconds));
  }
  loads.push(loadavg());
}
stopAll();

console.log(
  `\n${RATE} req/s paced (open loop) over ${CONNECTIONS} keep-alive connections, ${seconds} s, ${rounds} rounds; load average ${loads.join(' → ')}\n`,
);
console.log('| system | round | req/s | p50 ms | p99 ms | p99.9 ms | added p50 ms | added p99 ms | failed |');
console.log('|---|---|---|---|---|---|---|---|---|');
const direct = results.get(systems[0][0]);
for (const [name] of systems) {
  results.get(name).forEach((r, i) => {
    const base = direct[i];
    const added = name === systems[0][0] ? ['—', '—'] : [fmt(r.p50 - base.p50), fmt(r.p99 - base.p99)];
    console.log(
      `| ${name} | ${i + 1} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${added[0]} | ${added[1]} | ${r.failed} |`,
    );
  });
}
