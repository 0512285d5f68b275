// bench/traffic/zero-drop: does changing the split under load ever fail a request?
// Sustained load (a fixed number of keep-alive clients on loopback) while the router's
// weights change 100 times and blue-green switches 10 times; then 100,000 requests at a fixed
// 90:10 split, counted by the version that answered. Bounded: stops after its phases.
// Usage: npx tsc -b packages/router && node bench/traffic/zero-drop.mjs [clients=32]
import http from 'node:http';
import { createRouter } from '@sluice/router';

const clients = Number(process.argv[2] ?? 32);

function upstream(name) {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end(name),
  );
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  );
}

const [blue, green] = await Promise.all([upstream('blue'), upstream('green')]);
const router = await createRouter({ listen: { port: 0, host: '127.0.0.1' } });
const port = router.status().listen.port;
let version = 0;
const apply = (weights) =>
  router.applyConfig({
    version: ++version,
    routes: [
      {
        name: 'bench',
        versions: [
          { name: 'blue', url: blue.url },
          { name: 'green', url: green.url },
        ],
        weights,
      },
    ],
  });
await apply({ blue: 90, green: 10 });

const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const counts = { ok: 0, failed: 0, blue: 0, green: 0, errors: {} };
function once() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode === 200) {
          counts.ok++;
          counts[body] = (counts[body] ?? 0) + 1;
        } else {
          counts.failed++;
          counts.errors[res.statusCode] = (counts.errors[res.statusCode] ?? 0) + 1;
        }
        resolve();
      });
    });
    req.on('error', (e) => {
      counts.failed++;
      counts.errors[e.code] = (counts.errors[e.code] ?? 0) + 1;
      resolve();
    });
  });
}

async function drive(stopWhen) {
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!stopWhen()) await once();
    }),
  );
}

// phase 1: 100 weight changes and 10 blue-green switches under load
let changes = 0;
let switches = 0;
let done = false;
const started = performance.now();
const load = drive(() => done);
for (let i = 0; i < 100; i++) {
  await new Promise((r) => setTimeout(r, 20));
  const b = Math.floor(Math.random() * 101);
  await apply({ blue: b, green: 100 - b });
  changes++;
  if (i % 10 === 9) {
    await apply({ blue: 0, green: 100 });
    await new Promise((r) => setTimeout(r, 20));
    await apply({ blue: 100, green: 0 });
    switches++;
  }
}
done = true;
await load;
const phase1 = {
  requests: counts.ok + counts.failed,
  failed: counts.failed,
  errors: { ...counts.errors },
  seconds: (performance.now() - started) / 1000,
};

// phase 2: 100,000 requests at 90:10
await apply({ blue: 90, green: 10 });
Object.assign(counts, { ok: 0, failed: 0, blue: 0, green: 0, errors: {} });
let sent = 0;
await drive(() => sent++ >= 100_000);
const total = counts.blue + counts.green;
const bluePct = (100 * counts.blue) / total;

console.log(`| phase | requests | failed | detail |`);
console.log(`|---|---|---|---|`);
console.log(
  `| ${changes} weight changes + ${switches} blue-green switches under load (${clients} keep-alive clients, ${phase1.seconds.toFixed(1)} s) | ${phase1.requests} | ${phase1.failed} | ${JSON.stringify(phase1.errors)} |`,
);
console.log(
  `| fixed 90:10 split | ${counts.ok + counts.failed} | ${counts.failed} | blue ${counts.blue} (${bluePct.toFixed(2)} %), green ${counts.green} (${(100 - bluePct).toFixed(2)} %) |`,
);
console.log(
  `split within ±1 point of 90:10: ${Math.abs(bluePct - 90) <= 1 ? 'yes' : 'NO'}; failed requests: ${phase1.failed + counts.failed}`,
);
agent.destroy();
await router.close();
blue.server.close();
green.server.close();
