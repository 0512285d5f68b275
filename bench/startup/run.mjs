// bench/startup: time from process start to /readyz 200, and idle RSS, for `sluice up` on a warm
// build, next to a bare Fastify hello-world in the same run. Usage: node bench/startup/run.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function once(args, env) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Sluice (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    if (res?.status === 200) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 1000));
  const rss = rssMb(child.pid);
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { readyMs, rss };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function series(name, makeArgs) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
    try {
      results.push(await once(...makeArgs(dir)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { name, readyMs: median(results.map((r) => r.readyMs)), rss: median(results.map((r) => r.rss)) };
}

const sluice = await series('sluice up (SQLite, first start)', (dir) => [
  ['packages/cli/bin/sluice.js', 'up', '--port', '0', '--data-dir', dir],
  { SLUICE_LOG_LEVEL: 'warn', SLUICE_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
]);
const fastify = await series('bare Fastify hello-world', () => [['bench/startup/fastify-hello.mjs'], {}]);

const lines = [
  `| system | ready (median of ${runs}) | idle RSS |`,
  '|---|---|---|',
  `| ${sluice.name} | ${sluice.readyMs.toFixed(0)} ms | ${sluice.rss.toFixed(0)} MB |`,
  `| ${fastify.name} | ${fastify.readyMs.toFixed(0)} ms | ${fastify.rss.toFixed(0)} MB |`,
  `| ratio Sluice / Fastify | ${(sluice.readyMs / fastify.readyMs).toFixed(2)}× | ${(sluice.rss / fastify.rss).toFixed(2)}× |`,
];
console.log(lines.join('\n'));
console.log(
  `targets: ready < 2000 ms (${sluice.readyMs < 2000 ? 'met' : 'MISSED'}), idle RSS < 120 MB (${sluice.rss < 120 ? 'met' : 'MISSED'})`,
);
