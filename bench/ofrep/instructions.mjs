// bench/ofrep/instructions: how many instructions a request costs, counted rather than timed.
// On a shared VM one Sluice server's CPU per request moves by a third from one 5 s window to the
// next (bench/RESULTS.md, 2026-12-03), more than the differences worth measuring; instruction
// counts barely move (two runs of the bare server: 328,994 and 329,289 a request). Each server
// runs under valgrind's callgrind, takes `warm` requests on one connection, then its counters
// are zeroed, `count` requests are sent, and the counts dumped. Reported: instructions of the
// main thread (the event loop: HTTP parsing, JavaScript, socket calls' user-space side) per
// request — the work the server does per request. Background threads are left out: under
// valgrind they still run JIT compilations queued during the warm-up, which a native server
// finished long before. Kernel time (the socket write) is not counted, by design.
// Needs valgrind (`apt-get install valgrind`); ~50× slower than native: 23,000 requests per
// server take ~3 minutes. Usage:
//   node bench/ofrep/instructions.mjs [single|bulk] [warm=20000] [count=3000]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSluice } from './build.mjs';
import { here, loadAutocannon, root } from './harness.mjs';

const [shape = 'single', warmArg = '20000', countArg = '3000'] = process.argv.slice(2);
const [warm, count] = [Number(warmArg), Number(countArg)];
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is missing: apt-get install valgrind');
  process.exit(2);
}
const autocannon = await loadAutocannon();
buildSluice(root);

const SINGLE = '/ofrep/v1/evaluate/flags/feature-07';
const BULK = '/ofrep/v1/evaluate/flags';

/** Starts `script` under callgrind; resolves with its handshake, pid and dump directory. */
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

const requests = Array.from({ length: 10_000 }, (_, i) => ({
  body: JSON.stringify({ context: { targetingKey: `user-${i}` } }),
}));
const send = (server, path, amount) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${server.url}${path}`,
        method: 'POST',
        connections: 1,
        amount,
        timeout: 60,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        requests,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

/** Main-thread instructions per request of one server. */
async function measure(server, path) {
  const warmed = await send(server, path, warm);
  execFileSync('callgrind_control', ['--zero', String(server.child.pid)], { stdio: 'ignore' });
  const measured = await send(server, path, count);
  execFileSync('callgrind_control', ['--dump', String(server.child.pid)], { stdio: 'ignore' });
  server.child.kill('SIGKILL');
  const dump = readdirSync(server.dir).find((f) => /\.\d+\.1$/.test(f));
  const text = execFileSync(
    'callgrind_annotate',
    ['--inclusive=yes', '--threshold=100', join(server.dir, dump)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  const main = text.split('\n').find((l) => /\?\?\?:main \[/.test(l));
  if (!main) throw new Error(`no main-thread total in ${server.dir}`);
  const failed = warmed.non2xx + warmed.errors + measured.non2xx + measured.errors;
  return {
    perRequest: Number(main.trim().split(' ')[0].replaceAll(',', '')) / measured.requests.total,
    failed,
  };
}

const sluice = await startCounted('sluice-server.mjs', ['0']);
const size =
  shape === 'bulk'
    ? (
        await (
          await fetch(`${sluice.url}${BULK}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ context: { targetingKey: 'fixed' } }),
          })
        ).text()
      ).length
    : 0;
const bare = await startCounted('node-echo.mjs', ['0', String(size)]);
const engine = await startCounted('engine-echo.mjs', ['0']);
const path = shape === 'bulk' ? BULK : SINGLE;
const rows = await Promise.all([
  measure(sluice, path).then((r) => ({ name: `Sluice OFREP ${shape}`, ...r })),
  measure(bare, '/echo').then((r) => ({
    name: `bare node:http JSON POST${size ? `, ${size}-byte answer` : ''}`,
    ...r,
  })),
  measure(engine, path).then((r) => ({ name: "bare node:http evaluating with Sluice's engine", ...r })),
]);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`\n${shape}: ${fmt(warm)} requests to warm up, ${fmt(count)} counted, one connection\n`);
console.log('| server | main-thread instructions / request | ÷ Sluice | failed |');
console.log('|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${fmt(r.perRequest)} | ${(r.perRequest / rows[0].perRequest).toFixed(2)} | ${r.failed} |`,
  );
console.log(
  `\nSluice's own work: ${fmt(rows[0].perRequest - rows[1].perRequest)} instructions a request over the bare server.`,
);
