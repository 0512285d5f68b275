// bench/traffic/latency: the latency a proxy adds at a moderate, fixed rate: about 1,000
// requests/s, one request due every millisecond (open loop: latency counts from the moment a
// request was due, so a slow answer cannot hold the next ones back) over 16 keep-alive
// connections. Paired sampling: every due request goes out at the same instant through the
// proxy and to the upstream directly, so both see the same moment of the machine (scheduling,
// the load generator's own pauses) and "added" is the proxy's percentile minus the direct one
// of the same run. The Sluice router and NGINX (1 worker), both splitting 90:10; rounds are
// interleaved, and the median over rounds is printed last. Needs nginx.
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
const ports = {
  blue: 18281,
  green: 18282,
  nginx: 18292,
  sluice: 18290,
  sluiceAdmin: 18291,
};
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

/** Percentiles (ms) of sorted latencies. */
function summary(ms, failed, duration) {
  ms.sort((a, b) => a - b);
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? Number.NaN;
  return { rps: ms.length / duration, p50: pct(50), p99: pct(99), p999: pct(99.9), failed };
}

/**
 * Requests due every 1000/rate ms for `duration` s; each due request is sent at once to every
 * port of `ports` (on a free connection of that port, else queued with its due time).
 * Returns one summary per port.
 */
async function paced(ports, duration) {
  const targets = await Promise.all(
    ports.map(async (port) => {
      const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => openConnection(port)));
      const target = { conns, ms: [], failed: 0, backlog: [] };
      for (const conn of conns) {
        conn.onDone = (latency, ok) => {
          target.ms.push(latency);
          if (!ok) target.failed++;
          if (target.backlog.length > 0) send(conn, target.backlog.shift());
        };
      }
      return target;
    }),
  );
  function send(conn, dueAt) {
    conn.busy = true;
    conn.dueAt = dueAt;
    conn.socket.write(REQUEST);
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
        for (const target of targets) {
          const free = target.conns.find((c) => !c.busy);
          if (free) send(free, dueAt);
          else target.backlog.push(dueAt);
        }
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  while (targets.some((t) => t.ms.length < total)) await new Promise((r) => setTimeout(r, 5));
  for (const t of targets) for (const c of t.conns) c.socket.destroy();
  return targets.map((t) => summary(t.ms, t.failed, duration));
}

const proxies = [
  ['Sluice router (90:10)', ports.sluice],
  ['NGINX 1 worker (90:10)', ports.nginx],
];
/** name → per round: { proxy, direct } summaries of one paired run. */
const results = new Map(proxies.map(([name]) => [name, []]));
const loads = [loadavg()];
for (let round = 0; round < rounds; round++) {
  for (const [name, port] of proxies) {
    await paced([port, ports.blue], 2); // warm-up
    const [proxy, direct] = await paced([port, ports.blue], seconds);
    results.get(name).push({ proxy, direct });
  }
  loads.push(loadavg());
}
stopAll();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
console.log(
  `\n${RATE} req/s paced (open loop), each request sent at once through the proxy and directly, ${CONNECTIONS} keep-alive connections each, ${seconds} s, ${rounds} rounds; load average ${loads.join(' → ')}\n`,
);
console.log(
  '| proxy | round | req/s | p50 ms | p99 ms | p99.9 ms | direct p50 ms | direct p99 ms | added p50 ms | added p99 ms | failed |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name] of proxies) {
  results.get(name).forEach(({ proxy, direct }, i) => {
    console.log(
      `| ${name} | ${i + 1} | ${fmt(proxy.rps, 0)} | ${fmt(proxy.p50)} | ${fmt(proxy.p99)} | ${fmt(proxy.p999)} | ${fmt(direct.p50)} | ${fmt(direct.p99)} | ${fmt(proxy.p50 - direct.p50)} | ${fmt(proxy.p99 - direct.p99)} | ${proxy.failed + direct.failed} |`,
    );
  });
}
console.log('\nMedian over rounds:\n');
console.log('| proxy | added p50 ms | added p99 ms | added p99 ms, worst round |');
console.log('|---|---|---|---|');
for (const [name] of proxies) {
  const rs = results.get(name);
  const p50 = rs.map((r) => r.proxy.p50 - r.direct.p50);
  const p99 = rs.map((r) => r.proxy.p99 - r.direct.p99);
  console.log(`| ${name} | ${fmt(median(p50))} | ${fmt(median(p99))} | ${fmt(Math.max(...p99))} |`);
}
