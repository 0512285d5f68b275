// One control plane (SQLite, no embedded router), one standalone router pushing its counts, and
// demo-app processes, all on loopback. Each trial starts a canary (30 % of traffic, scheduled
// checks ten minutes apart), puts bounded load through the router, then switches the canary to
// 100 % errors (`POST /_faults`) and times from the first 500 a client receives to the router
// applying the configuration with the canary at weight 0. Beside it, Flagger's own figure for
// the seed's canary (interval × threshold), computed, not run.
import { appendFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStandaloneRouter } from '@sluice/router';
import { configFromEnv, createServer } from '@sluice/server';

const args = process.argv.slice(2);
const trials = Number(args.find((a) => !a.startsWith('--')) ?? 20);
const record = args.includes('--record');
const root = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(root, 'examples/demo-app/server.mjs');
const ADMIN = 'bench-rollback-admin-token-01';
const CLIENTS = 8;
/** Each client waits this long between requests: about CLIENTS × 1000 / PACE_MS requests/s. */
const PACE_MS = 20;
const TARGET_P99_MS = 2_000;
const FLAGGER = { interval: 30, threshold: 5 }; // /work/shared/examples/flagger-canary.yaml
const deploySpec = {
  provider: 'process',
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 1,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadAtStart = loadavg();

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-rollback-'));
const server = await createServer(configFromEnv({}, { dataDir, adminToken: ADMIN, port: 0 }));
const url = await server.listen();
const api = async (method, path, body) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
};
const token = (await api('POST', '/api/v1/tokens', { subject: 'edge', scopes: ['router'] })).body.token;
const edge = await runStandaloneRouter({
  controlPlaneUrl: url,
  token,
  port: 0,
  adminPort: 0,
  stateDir: join(dataDir, 'edge'),
  routerId: 'bench-edge',
  heartbeatIntervalMs: 1_000,
  log: () => {},
});
const edgePort = edge.router.status().listen.port;
const versions = () => edge.router.status().routes.find((r) => r.name === 'shop')?.versions ?? [];
const weightOf = (v) => versions().find((x) => x.name === v)?.weight ?? null;

const plan = (version) => ({
  name: `Shop ${version}`,
  version,
  max_duration_hours: 2,
  stages: [
    {
      name: 'canary',
      strategy: 'canary',
      config: {
        app_name: 'shop',
        initial_weight: 30,
        increment: 30,
        max_weight: 60,
        interval_seconds: 600,
        monitor_duration_minutes: 10,
        thresholds: { error_rate: { max: 1, min_samples: 20 } },
      },
    },
  ],
});
const service = {
  kind: 'Service',
  metadata: { name: 'shop' },
  spec: {
    stableVersion: '1.0.0',
    deploy: deploySpec,
    traffic: { provider: 'builtin', route: { pathPrefix: '/' } },
  },
};
const versionsToRun = Array.from({ length: trials }, (_, i) => `2.0.${i + 1}`);
const applied = await api('POST', '/api/v1/apply', { documents: [service, ...versionsToRun.map(plan)] });
if (applied.status !== 200) throw new Error(`apply: ${JSON.stringify(applied.body)}`);

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
function get() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: edgePort, path: '/api/v2/status', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

/** Bounded load: CLIENTS loops, paced, until stopped (at most 100,000 requests per trial). */
const load = { requests: 0, ms: 0 };
function startLoad(onFailure) {
  let stopped = false;
  let left = 100_000;
  const began = Date.now();
  const loop = async () => {
    while (!stopped && left-- > 0) {
      const status = await get();
      load.requests += 1;
      if (status >= 500 || status === 0) onFailure(Date.now());
      await sleep(PACE_MS);
    }
  };
  const all = Promise.all(Array.from({ length: CLIENTS }, loop));
  return async () => {
    stopped = true;
    await all;
    load.ms += Date.now() - began;
  };
}

const waitFor = async (what, test, timeoutMs = 30_000) => {
  const until = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

const results = [];
for (const version of versionsToRun) {
  const started = await api('POST', `/api/v1/rollouts/shop-${version.replaceAll('.', '-')}/start`, {});
  if (started.status !== 201) throw new Error(`start ${version}: ${JSON.stringify(started.body)}`);
  await waitFor(`${version} at 30 %`, () => weightOf(version) === 30);
  let firstFailure = null;
  const stop = startLoad((at) => {
    firstFailure ??= at;
  });
  await sleep(500); // healthy traffic first, as a canary has before it breaks
  let zeroAt = null;
  const onConfig = () => {
    if (zeroAt === null && (weightOf(version) ?? 0) === 0) zeroAt = Date.now();
  };
  edge.router.events.on('config', onConfig);
  const canaryUrl = versions().find((v) => v.name === version)?.url;
  const faults = await fetch(new URL('/_faults', canaryUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errorRate: 1 }),
  });
  if (faults.status !== 200) throw new Error(`faults: ${faults.status}`);
  await waitFor(`${version} rolled back at the router`, () => zeroAt !== null);
  edge.router.events.off('config', onConfig);
  await stop();
  const run = (await api('GET', `/api/v1/rollout-runs/${started.body.id}`)).body;
  results.push({ version, ms: zeroAt - firstFailure, reason: run.reason ?? run.status });
  process.stderr.write(`${version}: ${zeroAt - firstFailure} ms\n`);
  // the rollback retires the canary; wait for the run to end before the next one takes the lock
  for (let i = 0; i < 600; i++) {
    const r = (await api('GET', `/api/v1/rollout-runs/${started.body.id}`)).body;
    if (['rolled_back', 'failed', 'succeeded', 'aborted'].includes(r.status)) break;
    await sleep(20);
  }
}

const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const p50 = q(0.5);
const p99 = q(0.99);
const max = sorted.at(-1);
const fast = results.filter((r) => /between scheduled checks/.test(r.reason)).length;
const flaggerS = FLAGGER.interval * FLAGGER.threshold;
const date = new Date().toISOString().slice(0, 10);
const lines = [
  '',
  `### bench/rollback (${date})`,
  '',
  `\`node bench/rollback/run.mjs ${trials}\` — control plane (SQLite), standalone router, load`,
  `generator and demo-app processes on one machine (${cpus().length} cores, load ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at start);`,
  `${CLIENTS} clients through the router, ${Math.round((load.requests * 1000) / load.ms)} requests/s on average, canary at 30 %, scheduled checks 600 s apart.`,
  'Time from the first 500 a client received to the router applying the canary at weight 0:',
  '',
  '| trials | p50 ms | p99 ms | max ms | Flagger, seed canary (interval × threshold) | Flagger ÷ Sluice p99 |',
  '|---|---|---|---|---|---|',
  `| ${results.length} | ${p50} | ${p99} | ${max} | ${FLAGGER.interval} s × ${FLAGGER.threshold} = ${flaggerS} s (computed, not run) | ${Math.round((flaggerS * 1000) / p99)}× |`,
  '',
  `Target p99 < ${TARGET_P99_MS} ms: **${p99 < TARGET_P99_MS ? 'met' : 'missed'}** (with ${results.length} trials the p99 is the slowest one).`,
  `${fast} of ${results.length} trials rolled back on the routers' pushed counts, between scheduled checks`,
  `(first run's reason: "${results[0]?.reason ?? ''}").`,
];
console.log(lines.join('\n'));
if (record) appendFileSync(join(root, 'bench/RESULTS.md'), `${lines.join('\n')}\n`);

agent.destroy();
await edge.close();
await server.close();
// the demo processes outlive the control plane by design: stop the stable one this bench started
const { createDeployProvider } = await import('@sluice/server/deploy');
const { SecretResolver } = await import('@sluice/server/secrets');
const provider = createDeployProvider(deploySpec, {
  service: 'shop',
  environment: 'development',
  dataDir,
  secrets: new SecretResolver({}, dataDir),
});
for (const d of await provider.list())
  await provider.retire({ opId: `bench-${d.version}`, version: d.version });
await provider.close();
