// bench/traffic: requests per second and latency through the Sluice router, compared in the same
// run with NGINX and HAProxy doing the same 90/10 split between two upstreams, and with the
// upstream hit directly. Needs wrk, nginx and haproxy (Debian packages) and a built router
// (the script runs `npx tsc -b packages/router`). Usage: node bench/traffic/run.mjs [seconds=10] [connections=32]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = `${root}bench/.work/traffic`;
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const PORTS = {
  blue: 18081,
  green: 18082,
  sluice: 18090,
  sluiceAdmin: 18091,
  nginx: 18092,
  haproxy: 18093,
  bareNode: 18094,
};

for (const tool of ['wrk', 'nginx', 'haproxy']) {
  const which = spawnSync('sh', ['-c', `command -v ${tool} || ls /usr/sbin/${tool}`], { encoding: 'utf8' });
  if (which.status !== 0) {
    console.error(`${tool} is not installed (apt-get install ${tool})`);
    process.exit(2);
  }
}
// Incremental: cheap when the build is current, and never benchmarks stale code.
spawnSync('npx', ['tsc', '-b', 'packages/router'], { cwd: root, stdio: 'ignore' });
if (!existsSync(`${root}packages/router/dist/index.js`)) {
  console.error('the router did not build: npx tsc -b packages/router');
  process.exit(2);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(`${work}/logs`, { recursive: true });

// Upstreams: one NGINX worker answering "blue" / "green" from memory, fast enough that the
// proxies, not the upstreams, are what is measured.
writeFileSync(
  `${work}/upstreams.conf`,
  `worker_processes 1; pid ${work}/upstreams.pid; error_log ${work}/logs/upstreams.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${PORTS.blue}; location / { return 200 "blue\\n"; } }
  server { listen 127.0.0.1:${PORTS.green}; location / { return 200 "green\\n"; } } }
`,
);
writeFileSync(
  `${work}/nginx.conf`,
  `worker_processes 1; pid ${work}/nginx.pid; error_log ${work}/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream app { server 127.0.0.1:${PORTS.blue} weight=90; server 127.0.0.1:${PORTS.green} weight=10; keepalive 64; }
  server { listen 127.0.0.1:${PORTS.nginx};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } } }
`,
);
writeFileSync(
  `${work}/haproxy.cfg`,
  `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${PORTS.haproxy}
  default_backend app
backend app
  balance roundrobin
  server blue 127.0.0.1:${PORTS.blue} weight 90
  server green 127.0.0.1:${PORTS.green} weight 10
`,
);

const children = [];
function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);

function waitForPort(port) {
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

start('nginx', ['-c', `${work}/upstreams.conf`, '-p', work, '-g', 'daemon off;']);
start('nginx', ['-c', `${work}/nginx.conf`, '-p', work, '-g', 'daemon off;']);
start('haproxy', ['-f', `${work}/haproxy.cfg`, '-db']);
start(process.execPath, [
  `${here}sluice-router.mjs`,
  String(PORTS.sluice),
  String(PORTS.sluiceAdmin),
  `http://127.0.0.1:${PORTS.blue}`,
  `http://127.0.0.1:${PORTS.green}`,
]);
start(process.execPath, [`${here}bare-node-proxy.mjs`, String(PORTS.bareNode), String(PORTS.blue)]);
await Promise.all(Object.values(PORTS).map(waitForPort));

function wrk(port, duration) {
  const r = spawnSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const text = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? Number.NaN);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? unit(m[1], m[2]) : Number.NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(text)?.[1] ?? 'none';
  return { rps, p50: pct(50), p99: pct(99), errors: Number(errors), socketErrors };
}

const systems = [
  ['upstream direct (no proxy)', PORTS.blue],
  ['bare node:http proxy (no split)', PORTS.bareNode],
  ['Sluice router (Node)', PORTS.sluice],
  ['NGINX 1 worker', PORTS.nginx],
  ['HAProxy 1 thread', PORTS.haproxy],
];
const rows = [];
for (const [name, port] of systems) {
  wrk(port, 2); // warm-up: connections, JIT
  rows.push([name, wrk(port, seconds)]);
}

// The split the router actually made over the whole run (warm-up included).
const versions = await fetch(`http://127.0.0.1:${PORTS.sluiceAdmin}/versions?windowMs=600000`).then((r) =>
  r.json(),
);
stopAll();

const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const sluiceRps = rows.find(([n]) => n.startsWith('Sluice'))?.[1].rps ?? Number.NaN;
console.log(
  `\n${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `wrk -t1 -c${connections} -d${seconds}s; everything on one machine, sharing the cores.\n`,
);
console.log('| system | req/s | p50 ms | p99 ms | non-2xx | socket errors | Sluice req/s ÷ this |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${r.socketErrors} | ${fmt(sluiceRps / r.rps)} |`,
  );
}
const split = versions.versions.map((v) => `${v.version} ${v.totals.requests}`).join(', ');
console.log(`\nSluice split over the run (90/10 configured): ${split}`);
