import { connect } from 'node:net';
import {
  buildRouter,
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
buildRouter();
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

/**
 * One keep-alive connection that sends a request when asked and reports its latency. Its state
 * is `idle`, `waiting` (a request is out) or `closed` (by the server, or retired after an answer
 * nobody asked for); the callbacks report answers, unasked answers and requests lost with the
 * connection, so a server that closes a connection fails requests instead of hanging the run.
 */
function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const conn = {
      state: 'idle',
      dueAt: 0,
      sent: 0,
      openedAt: performance.now(),
      connectMs: 0,
      onDone: () => {},
      onUnasked: () => {},
      onLost: () => {},
      socket,
      close() {
        conn.state = 'closed';
        socket.destroy();
      },
    };
    const where = () =>
      `request ${conn.sent} of the connection, ${Math.round(performance.now() - conn.openedAt)} ms after it was opened, which took ${Math.round(conn.connectMs)} ms`;
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.toString('latin1', 0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      if (conn.state !== 'waiting') {
        // An answer nobody asked for (the server gave up on the connection): a failure, not a
        // latency sample; nothing more is sent on the connection.
        conn.state = 'closed';
        conn.onUnasked(`${head} (unasked, after ${where()})`);
        return;
      }
      conn.state = 'idle';
      const ok = head.startsWith('HTTP/1.1 200');
      conn.onDone(performance.now() - conn.dueAt, ok ? undefined : `${head} (answer to ${where()})`);
    });
    socket.on('close', () => {
      const lost = conn.state === 'waiting';
      conn.state = 'closed';
      if (lost) conn.onLost(`connection closed by the server, ${where()} unanswered`);
    });
    socket.on('error', () => {}); // 'close' follows and says what was lost
    socket.once('error', reject);
    socket.once('connect', () => {
      conn.connectMs = performance.now() - conn.openedAt;
      resolve(conn);
    });
  });
}

/** True once the server has closed every connection of a target: nothing more can be sent. */
const allClosed = (target) => target.conns.every((c) => c.state === 'closed');

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
      const target = { conns, ms: [], failed: 0, lost: 0, backlog: [], next: 0 };
      // A failure explains itself: which port answered what, and on which request.
      const fail = (failure) => {
        target.failed++;
        failures.push(`port ${port}: ${failure.replace(/\r\n/g, ' | ').slice(0, 400)}`);
      };
      for (const conn of conns) {
        conn.onUnasked = fail;
        conn.onLost = (failure) => {
          target.lost++;
          fail(failure);
        };
        conn.onDone = (latency, failure) => {
          target.ms.push(latency);
          if (failure !== undefined) fail(failure);
          if (target.backlog.length > 0) send(conn, target.backlog.shift());
        };
      }
      return target;
    }),
  );
  function send(conn, dueAt) {
    conn.state = 'waiting';
    conn.sent++;
    conn.dueAt = dueAt;
    conn.socket.write(REQUEST);
  }
  /**
   * The next idle connection in turn (round robin, so none sits idle long enough for a server's
   * keep-alive timeout), or undefined when all are waiting.
   */
  function pick(target) {
    const n = target.conns.length;
    for (let i = 0; i < n; i++) {
      const conn = target.conns[(target.next + i) % n];
      if (conn.state === 'idle') {
        target.next = (target.next + i + 1) % n;
        return conn;
      }
    }
    return undefined;
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
          const free = pick(target);
          if (free) send(free, dueAt);
          // With every connection closed the request is counted as never sent, at the end.
          else if (!allClosed(target)) target.backlog.push(dueAt);
        }
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  const pending = (t) => t.ms.length + t.lost < total && !allClosed(t);
  while (targets.some(pending)) await new Promise((r) => setTimeout(r, 5));
  targets.forEach((t, i) => {
    const unsent = total - t.ms.length - t.lost;
    if (unsent > 0) {
      t.failed += unsent;
      failures.push(`port ${ports[i]}: ${unsent} requests never sent, the server closed every connection`);
    }
  });
  for (const t of targets) for (const c of t.conns) c.close();
  return targets.map((t) => summary(t.ms, t.failed, duration));
}

const proxies = [
  ['Sluice router (90:10)', ports.sluice],
  ['NGINX 1 worker (90:10)', ports.nginx],
];
/** name → per round: { proxy, direct } summaries of one paired run. */
const results = new Map(proxies.map(([name]) => [name, []]));
/** Every failure (non-200, unasked or lost answer), explained, printed after the tables. */
const failures = [];
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
if (failures.length > 0) {
  console.log(`\nFailures, warm-ups included (${failures.length}, first 10):`);
  for (const f of failures.slice(0, 10)) console.log(`- ${f}`);
}
