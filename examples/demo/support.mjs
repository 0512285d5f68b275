// Plumbing for the demo: child processes, the CLI as a user types it, ports, HTTP, cleanup.
// The demo's story is in run.mjs; nothing here knows about rollouts.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SLUICE_BIN = join(ROOT, 'packages/cli/bin/sluice.js');

/**
 * `tsc -b` (incremental), as `npm start` does, so the demo runs the built CLI; and the
 * dashboard, which `sluice up` serves, when it is not built yet.
 */
export function build() {
  const out = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (out.status !== 0) throw new Error(`the build failed (tsc -b exited ${out.status})`);
  if (existsSync(join(ROOT, 'packages/dashboard/dist/index.html'))) return;
  const vite = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: join(ROOT, 'packages/dashboard'),
    stdio: 'inherit',
  });
  if (vite.status !== 0) throw new Error(`the dashboard build failed (vite exited ${vite.status})`);
}

/** The preferred port when it is free, else one the kernel picks. */
export async function freePort(preferred) {
  const tryListen = (port) =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const { port: got } = server.address();
        server.close(() => resolve(got));
      });
    });
  return (preferred ? await tryListen(preferred) : null) ?? (await tryListen(0));
}

/** Starts a long-running `sluice …` process with its output appended to `logFile`. */
export function startSluice(args, { env, logFile }) {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

/** Runs one CLI command to its end: {code, stdout, stderr}. */
export function sluice(args, { url, token }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SLUICE_BIN, '--url', url, '--token', token, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function waitReady(url, { timeoutMs = 30_000, isAlive = () => true } = {}) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive()) throw new Error('Sluice exited while starting; see its log');
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`Sluice was not ready at ${url} after ${timeoutMs / 1000}s`);
}

export async function api(url, token, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json?.detail ?? text}`);
  return json;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops a child politely, then firmly. */
export async function stop(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The `process` deploy provider starts versions detached, so they outlive a control plane
 * crash by design; the demo stops the ones it caused, listed in the provider's state files
 * (`<data dir>/deploy/process/<environment>/<service>/state.json`).
 */
export function stopDeployedVersions(dataDir) {
  let stopped = 0;
  const base = join(dataDir, 'deploy', 'process');
  const list = (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const environment of list(base)) {
    for (const service of list(join(base, environment))) {
      let state;
      try {
        state = JSON.parse(readFileSync(join(base, environment, service, 'state.json'), 'utf8'));
      } catch {
        continue;
      }
      for (const record of Object.values(state.versions ?? {})) {
        if (record.retiredAt !== undefined) continue;
        try {
          process.kill(-record.pid, 'SIGTERM'); // its process group: the command and its children
          stopped++;
        } catch {
          // already gone
        }
      }
    }
  }
  return stopped;
}
