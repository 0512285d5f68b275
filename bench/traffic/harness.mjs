// Shared pieces of the traffic benchmarks: the NGINX upstreams and peers, child processes that
// all stop with the script, waiting for ports, and one wrk measurement. Kept apart so run.mjs
// (the published comparison) and clients.mjs (client prototypes) measure the same way.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function requireTools(tools) {
  for (const tool of tools) {
    const which = spawnSync('sh', ['-c', `command -v ${tool} || ls /usr/sbin/${tool}`], { encoding: 'utf8' });
    if (which.status !== 0) {
      console.error(`${tool} is not installed (apt-get install ${tool})`);
      process.exit(2);
    }
  }
}

/** Builds the router (`tsc -b packages/router`), or exits saying it did not build. */
export function buildRouter() {
  const build = spawnSync('npx', ['tsc', '-b', 'packages/router'], { cwd: root, stdio: 'inherit' });
  if (build.status === 0 && existsSync(`${root}packages/router/dist/index.js`)) return;
  console.error('the router did not build: npx tsc -b packages/router');
  process.exit(2);
}

export function freshWorkDir(name) {
  const work = `${root}bench/.work/${name}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(`${work}/logs`, { recursive: true });
  return work;
}

const children = [];
export function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  children.push(child);
  return child;
}
export function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);

/**
 * Upstreams: one NGINX worker answering "blue" / "green" from memory, fast enough that the
 * proxies, not the upstreams, are what is measured.
 */
export function startUpstreams(work, ports) {
  writeFileSync(
    `${work}/upstreams.conf`,
    `worker_processes 1; pid ${work}/upstreams.pid; error_log ${work}/logs/upstreams.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${ports.blue}; location / { return 200 "blue\\n"; } }
  server { listen 127.0.0.1:${ports.green}; location / { return 200 "green\\n"; } } }
`,
  );
  return start('nginx', ['-c', `${work}/upstreams.conf`, '-p', work, '-g', 'daemon off;']);
}

/** The peer: NGINX, one worker, the same 90:10 split with upstream keep-alive. */
export function startNginxProxy(work, ports) {
  writeFileSync(
    `${work}/nginx.conf`,
    `worker_processes 1; pid ${work}/nginx.pid; error_log ${work}/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream app { server 127.0.0.1:${ports.blue} weight=90; server 127.0.0.1:${ports.green} weight=10; keepalive 64; }
  server { listen 127.0.0.1:${ports.nginx};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } } }
`,
  );
  return start('nginx', ['-c', `${work}/nginx.conf`, '-p', work, '-g', 'daemon off;']);
}

export function waitForPort(port) {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (++tries > 100) reject(new Error(`port ${port} never opened`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

const wrkArgs = (port, seconds, connections, extra) => [
  '-t1',
  `-c${connections}`,
  `-d${seconds}s`,
  '--latency',
  ...extra,
  `http://127.0.0.1:${port}/`,
];

/** One wrk measurement: -t1 -c<connections> for `seconds`, latency percentiles in ms. */
export function wrk(port, seconds, connections, extra = []) {
  const r = spawnSync('wrk', wrkArgs(port, seconds, connections, extra), { encoding: 'utf8' });
  return parseWrk(r.stdout);
}

/** The same measurement without blocking this process, so it can change things meanwhile. */
export function wrkAsync(port, seconds, connections, extra = []) {
  const child = spawn('wrk', wrkArgs(port, seconds, connections, extra), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (text += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(parseWrk(text)));
  });
}

function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? Number.NaN);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? unit(m[1], m[2]) : Number.NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(text)?.[1] ?? 'none';
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? Number.NaN);
  return { rps, p50: pct(50), p99: pct(99), errors: Number(errors), socketErrors, requests };
}

const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/**
 * CPU seconds (user + system) used so far by a process and its children (an NGINX master and
 * its worker). CPU time per request barely moves with the machine's other load, unlike req/s.
 * `reaped`: also the children that ended and were waited for (NGINX workers replaced by a reload);
 * `children: false`: the process alone (a router's primary without its workers).
 */
export function cpuSeconds(pid, { reaped = false, children = true } = {}) {
  let ticks = 0;
  const visit = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      if (reaped) ticks += Number(fields[13]) + Number(fields[14]);
      if (!children) return;
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ')) {
        if (child.trim()) visit(child.trim());
      }
    } catch {
      // the process ended
    }
  };
  visit(pid);
  return ticks / TICK;
}

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
export const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
