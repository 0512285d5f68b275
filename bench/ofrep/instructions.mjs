// bench/ofrep/instructions: how many instructions a request costs, counted rather than timed.
// On a shared VM one Sluice server's CPU per request moves by a third from one 5 s window to the
// next (bench/RESULTS.md, 2026-12-03), more than the differences worth measuring; a server
// without timers repeats its instruction count to 0.1 % (Sluice's timers make its count move
// more: see bench/ofrep/README.md). Each server runs under valgrind's callgrind, takes `warm`
// requests on one connection, then its counters are zeroed, `count` requests are sent and the
// counts dumped; then the counters are zeroed again for a window as long with no requests (the
// server's timers: polls, the metrics sampler), which is subtracted. Reported: instructions of the
// main thread (the event loop: HTTP parsing, JavaScript, the user-space side of socket calls) per
// request — the work the server does per request. Background threads are left out: under
// valgrind they still run JIT compilations queued during the warm-up, which a native server
// finished long before. Kernel time (the socket write) is not counted, by design.
// Needs valgrind (`apt-get install valgrind`); ~50× slower than native: 23,000 requests per
// server take ~4 minutes (the four servers run at once). Usage:
//   node bench/ofrep/instructions.mjs [single|bulk] [warm=20000] [count=3000]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSluice } from './build.mjs';
import { here, load, loadAutocannon, root } from './harness.mjs';

const [shape = 'single', warmArg = '20000', countArg = '3000'] = process.argv.slice(2);
const [warm, count] = [Number(warmArg), Number(countArg)];
if (!['single', 'bulk'].includes(shape) || !(warm >= 0) || !(count >= 1)) {
  console.error('usage: node bench/ofrep/instructions.mjs [single|bulk] [warm=20000] [count=3000]');
  process.exit(2);
}
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is missing: apt-get install valgrind');
  process.exit(2);
}
const autocannon = await loadAutocannon();
buildSluice(root);

const SINGLE = '/ofrep/v1/evaluate/flags/feature-07';
const BULK = '/ofrep/v1/evaluate/flags';
const counted = [];
process.on('exit', () => {
  for (const c of counted) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `script` under callgrind; resolves with its handshake, process and dump directory. */
function startCounted(script, args) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-instructions-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file', // V8 writes code at run time
      `--callgrind-out-file=${dir}/callgrind.%p`,
      process.execPath,
      `${here}${script}`,
      ...args,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  counted.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) resolve({ ...JSON.parse(line), child, dir });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

const control = (server, what) =>
  execFileSync('callgrind_control', [what, String(server.child.pid)], { stdio: 'ignore' });

/** Main-thread instructions in the server's `part`th dump. */
function mainThread(server, part) {
  const dump = readdirSync(server.dir).find((f) => f.endsWith(`.${part}`));
  if (dump === undefined) throw new Error(`callgrind wrote no dump ${part} in ${server.dir}`);
  const text = execFileSync(
    'callgrind_annotate',
    ['--inclusive=yes', '--threshold=100', join(server.dir, dump)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  const main = text.split('\n').find((l) => /\?\?\?:main \[/.test(l));
  if (!main) throw new Error(`no main-thread total in ${join(server.dir, dump)}`);
  return Number(main.trim().split(' ')[0].replaceAll(',', ''));
}

/** Main-thread instructions per request of one server, its idle work subtracted. */
async function measure(server, path) {
  const send = (amount) =>
    load(autocannon, {
      url: `${server.url}${path}`,
      headers: { authorization: `Bearer ${server.token}` },
      bodyOf: (user) => ({ context: { targetingKey: user } }),
      connections: 1,
      amount,
      timeout: 60,
    });
  const warmed = await send(warm);
  control(server, '--zero');
  const from = performance.now();
  const measured = await send(count);
  const ms = performance.now() - from;
  control(server, '--dump');
  control(server, '--zero');
  await new Promise((resolve) => setTimeout(resolve, ms));
  control(server, '--dump');
  server.child.kill('SIGKILL');
  const busy = mainThread(server, 1);
  const idle = mainThread(server, 2);
  const failed = warmed.non2xx + warmed.errors + measured.non2xx + measured.errors;
  return { perRequest: (busy - idle) / measured.requests.total, idlePerSecond: idle / (ms / 1000), failed };
}

const sluice = await startCounted('sluice-server.mjs', ['0']);
const bulkAnswer =
  shape === 'bulk'
    ? await fetch(`${sluice.url}${BULK}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: 'fixed' } }),
      }).then((res) => res.text())
    : '';
const size = Buffer.byteLength(bulkAnswer);
const bare = await startCounted('node-echo.mjs', ['0', String(size)]);
const engine = await startCounted('engine-echo.mjs', ['0']);
const engineInSluice = await startCounted('engine-in-sluice.mjs', ['0']);
const path = shape === 'bulk' ? BULK : SINGLE;
const rows = await Promise.all([
  measure(sluice, path).then((r) => ({ name: `Sluice OFREP ${shape}`, ...r })),
  measure(bare, '/echo').then((r) => ({
    name: `bare node:http JSON POST${size ? `, ${size}-byte answer` : ', small answer'}`,
    ...r,
  })),
  measure(engine, path).then((r) => ({ name: "bare node:http evaluating with Sluice's engine", ...r })),
  measure(engineInSluice, path).then((r) => ({
    name: "Sluice's process evaluating with the engine only (engine-in-sluice.mjs)",
    ...r,
  })),
]);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`\n${shape}: ${fmt(warm)} requests to warm up, ${fmt(count)} counted, one connection\n`);
console.log(
  '| server | main-thread instructions / request | ÷ Sluice | idle instructions / s (subtracted) | failed |',
);
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${fmt(r.perRequest)} | ${(r.perRequest / rows[0].perRequest).toFixed(2)} | ${fmt(r.idlePerSecond)} | ${r.failed} |`,
  );
console.log(
  `\nSluice over the bare server: ${fmt(rows[0].perRequest - rows[1].perRequest)} instructions a request; ` +
    `Sluice's per-request work (over the engine's work in its own process): ${fmt(rows[0].perRequest - rows[3].perRequest)}.`,
);
