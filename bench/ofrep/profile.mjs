// bench/ofrep/profile.mjs: where a Sluice OFREP request spends its CPU. Starts the benchmark's
// Sluice server (the compiled build, built first) under `node --cpu-prof` (pinned to
// CPU 1), loads one route with autocannon (CPU 0), stops the server and prints the functions with the most self time, and the share of
// the profile spent under a few markers (HTTP parsing, socket writes, evaluation, auth…).
// Usage: node bench/ofrep/profile.mjs [single|bulk|304] [seconds=10] [connections=10] [server]
// `server`: another server script of this folder to profile the same way (engine-in-sluice.mjs,
// engine-echo.mjs), for comparison; sluice-server.mjs by default.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSluice } from './build.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const [scenario = 'single', secondsArg = '10', connectionsArg = '10', server = 'sluice-server.mjs'] =
  process.argv.slice(2);
const autocannon = (await import(`${root}bench/node_modules/autocannon/autocannon.js`)).default;
const dir = mkdtempSync(join(tmpdir(), 'sluice-ofrep-prof-'));
// the compiled build, as users run it: built first, so the profile is of this checkout
buildSluice(root);

const child = spawn(
  'taskset',
  ['-c', '1', process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, `${here}${server}`, '0'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const { url, token } = await new Promise((resolve) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  });
});
const path = scenario === 'single' ? '/ofrep/v1/evaluate/flags/feature-07' : '/ofrep/v1/evaluate/flags';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
if (scenario === '304') {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ context: { targetingKey: 'fixed' } }),
  });
  headers['if-none-match'] = res.headers.get('etag');
}
let n = 0;
// the profile's clock is the monotonic clock: keep only the samples taken under load
const from = process.hrtime.bigint() / 1000n;
const result = await autocannon({
  url: `${url}${path}`,
  method: 'POST',
  connections: Number(connectionsArg),
  duration: Number(secondsArg),
  headers,
  requests: [
    {
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ context: { targetingKey: scenario === '304' ? 'fixed' : `user-${n++}` } }),
      }),
    },
  ],
});
const to = process.hrtime.bigint() / 1000n;
console.log(
  `${scenario}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`,
);
child.kill('SIGTERM');
await new Promise((resolve) => child.on('exit', resolve));

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const self = new Map();
const kept = { samples: [], timeDeltas: [] };
let at = BigInt(profile.startTime);
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  at += BigInt(dt);
  if (at < from || at > to) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  kept.samples.push(profile.samples[i]);
  kept.timeDeltas.push(dt);
}
// the samples under load only, for DevTools or any .cpuprofile reader
const loaded = join(dir, 'under-load.cpuprofile');
writeFileSync(loaded, JSON.stringify({ ...profile, ...kept }));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const name = (node) => {
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const bySelf = new Map();
for (const [id, t] of self) {
  const key = name(byId.get(id));
  bySelf.set(key, (bySelf.get(key) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / total).toFixed(1)} %`;
console.log(`\nself time (top 30 of ${(total / 1e6).toFixed(1)} s sampled):`);
for (const [key, t] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`${pct(t).padStart(7)}  ${key}`);

// inclusive share under markers: a sample counts once for each marker on its stack
const markers = {
  idle: /\(idle\)/,
  gc: /\(garbage collector\)/,
  'fastify (all)': /node_modules\/fastify\//,
  'light-my-request/avvio': /light-my-request|avvio/,
  'socket write': /writeGeneric|writev|_writeGeneric|handleWriteReq/,
  'http parser': /parserOnHeadersComplete|parserOnBody|parserOnMessageComplete/,
  'ofrep (all)': /packages\/server\/(src|dist)\/flags\/ofrep\//,
  'flag evaluation (core)': /packages\/core\/(src|dist)\/flags\//,
  'tokens.verify': /verify(Now)? .*tokens\.service/,
  'metrics observe': /prom-client|request-durations/,
  'request log (pino)': /node_modules\/pino\/|request-log/,
  'ETag (bulkEtag)': /bulkEtag|canonical/,
  'JSON parse (body)': /parseJsonBody|jsonTooDeep|secure-json-parse/,
};
const inclusive = Object.fromEntries(Object.keys(markers).map((k) => [k, 0]));
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const label = name(byId.get(cur));
    for (const [k, re] of Object.entries(markers)) if (!seen.has(k) && re.test(label)) seen.add(k);
  }
  for (const k of seen) inclusive[k] += t;
}
console.log('\ninclusive share:');
for (const [k, t] of Object.entries(inclusive)) console.log(`${pct(t).padStart(7)}  ${k}`);
console.log(`\nprofile: ${join(dir, file)} (under load only: ${loaded})`);
