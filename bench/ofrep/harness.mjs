// What bench/ofrep's runners share: starting a server on CPU 1 and reading its handshake, its CPU
// time from /proc, and autocannon loads over users built once.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const here = fileURLToPath(new URL('.', import.meta.url));
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const USERS = 10_000;

const children = [];
export const stopAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
process.on('exit', stopAll);

/** autocannon from bench/node_modules, or an exit saying how to install it. */
export async function loadAutocannon() {
  try {
    return (await import(`${root}bench/node_modules/autocannon/autocannon.js`)).default;
  } catch {
    console.error('autocannon is missing: npm install --prefix bench');
    process.exit(2);
  }
}

/** Starts `node …nodeArgs` on CPU 1; resolves with its handshake line ({url, token}) and pid. */
export function start(label, nodeArgs, cwd) {
  return new Promise((resolve, reject) => {
    // taskset execs node in place: the pid is the server's
    const child = spawn('taskset', ['-c', '1', process.execPath, ...nodeArgs], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ ...JSON.parse(line), pid: child.pid });
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => reject(new Error(`${label} exited (${code}): ${err.slice(-2000)}`)));
  });
}

/** CPU time (user + system) a process has used so far, in microseconds. */
export function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in 1/100 s
}

/**
 * One autocannon run: POSTs to `url`, bodies cycling through USERS prebuilt ones (`bodyOf(user)`),
 * so the load generator spends its CPU on sockets, not on building requests. It lasts `seconds`,
 * or sends `amount` requests when that is given; `timeout` is each request's, in seconds.
 */
export function load(autocannon, { url, headers, bodyOf, connections, seconds, rate = 0, amount, timeout }) {
  const requests = Array.from({ length: USERS }, (_, i) => ({ body: JSON.stringify(bodyOf(`user-${i}`)) }));
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        ...(timeout === undefined ? {} : { timeout }),
        headers: { 'content-type': 'application/json', ...headers },
        requests,
        ...(rate > 0 ? { overallRate: rate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}
