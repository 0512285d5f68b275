#!/usr/bin/env node
// `npm run demo`: the seed's multi-stage release, end to end on this machine. Sluice starts on
// SQLite, the demo app plays api-service and web-frontend, `sluice load` plays their users, the
// seed plan (examples/rollouts/progressive-deployment.json) is applied unchanged and started
// time-scaled, the manual gate is approved when it asks, and the live view shows it all.
// `--fail` makes the frontend canary bad and shows every stage rolled back, newest first.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  api,
  build,
  freePort,
  ROOT,
  sleep,
  sluice,
  startSluice,
  stop,
  stopDeployedVersions,
  waitReady,
} from './support.mjs';

const USAGE = `usage: npm run demo -- [--time-scale N] [--fail] [--rps N] [--live | --no-live] [--keep] [--approve-in-dashboard]

  --time-scale N  live the plan N times faster (default 240: its ~17.5 planned hours take ~5 min)
  --fail          inject errors into the frontend canary and watch the automatic rollback
  --rps N         requests per second of the web frontend's simulated users (default 200)
  --live          redraw the live view in place (default when the terminal is interactive)
  --keep          leave the data directory behind for a look afterwards
  --approve-in-dashboard
                  do not approve the manual gate: print the approvers' tokens and wait for
                  them to approve in the dashboard`;

const PLAN_FILE = join(ROOT, 'examples/rollouts/progressive-deployment.json');
const ROLLOUT = 'multi-stage-feature-release';
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

function parseDemoOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'time-scale': { type: 'string', default: '240' },
      fail: { type: 'boolean', default: false },
      rps: { type: 'string', default: '200' },
      live: { type: 'boolean' },
      'no-live': { type: 'boolean' },
      keep: { type: 'boolean', default: false },
      'approve-in-dashboard': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale < 1 || timeScale > 100_000)
    throw new Error(`--time-scale: "${values['time-scale']}" is not a number from 1 to 100000`);
  const rps = Number(values.rps);
  if (!Number.isInteger(rps) || rps < 20 || rps > 2000)
    throw new Error(`--rps: "${values.rps}" is not a whole number from 20 to 2000`);
  const live = values['no-live'] ? false : (values.live ?? Boolean(process.stdout.isTTY));
  return {
    timeScale,
    fail: values.fail,
    rps,
    live,
    keep: values.keep,
    approveInDashboard: values['approve-in-dashboard'],
  };
}

/** What the demo says, with the time since it began; under a live view, the view draws it. */
function narrator() {
  const started = Date.now();
  const lines = [];
  let underView = false;
  return {
    lines,
    setUnderView(on) {
      underView = on;
    },
    say(text) {
      const line = `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${text}`;
      lines.push(line);
      if (!underView) console.log(line);
    },
  };
}

async function main() {
  let opts;
  try {
    opts = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const narration = narrator();
  const { say } = narration;
  const cleanup = [];
  const onSignal = () => {
    say('interrupted: stopping everything the demo started');
    void runCleanup(cleanup).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await demo(opts, narration, cleanup);
  } finally {
    await runCleanup(cleanup);
  }
}

async function runCleanup(cleanup) {
  for (const step of cleanup.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: ${error.message}`);
    }
  }
}

async function demo(opts, narration, cleanup) {
  const { say } = narration;
  say(
    `TIME-SCALED ×${opts.timeScale}: every duration in the plan is divided by ${opts.timeScale} (metric windows keep at least 30 s)`,
  );
  say('building Sluice (tsc -b)');
  build();

  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-demo-'));
  cleanup.push(() =>
    opts.keep ? say(`data directory kept: ${dataDir}`) : rmSync(dataDir, { recursive: true, force: true }),
  );
  const adminToken = `demo-admin-${crypto.randomUUID()}`;
  const apiPort = await freePort(4200);
  const routerPort = await freePort(4280);
  const routerAdminPort = await freePort(4281);
  const url = `http://127.0.0.1:${apiPort}`;
  const logFile = join(dataDir, 'sluice.log');
  say(`starting Sluice on ${url} (router on :${routerPort}, SQLite in ${dataDir}, log ${logFile})`);
  const server = startSluice(['up'], {
    logFile,
    env: {
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_PORT: String(apiPort),
      SLUICE_ROUTER_PORT: String(routerPort),
      SLUICE_ROUTER_ADMIN_PORT: String(routerAdminPort),
      SLUICE_DEFAULT_ENV: 'production',
    },
  });
  cleanup.push(() => {
    const n = stopDeployedVersions(dataDir);
    if (n) say(`stopped ${n} demo app process${n === 1 ? '' : 'es'} the rollout started`);
  });
  cleanup.push(() => stop(server));
  await waitReady(url, { isAlive: () => server.exitCode === null });

  const cli = async (args, token = adminToken, { quiet = false } = {}) => {
    if (!quiet) say(`$ sluice ${args.join(' ')}`);
    const out = await sluice(args, { url, token });
    if (out.code !== 0)
      throw new Error(`sluice ${args.join(' ')} exited ${out.code}: ${out.stderr || out.stdout}`);
    return out.stdout;
  };
  const tokenFor = async (subject, scope, role) =>
    JSON.parse(
      await cli([
        'token',
        'create',
        '--subject',
        subject,
        '--scope',
        scope,
        ...(role ? ['--role', role] : []),
        '-o',
        'json',
      ]),
    ).token;

  say('tokens: two approvers for the manual gate, and one the demo app sends its events with');
  const approvers = [
    {
      subject: 'pat',
      role: 'product_manager',
      token: await tokenFor('pat', 'write:production', 'product_manager'),
    },
    {
      subject: 'lee',
      role: 'engineering_lead',
      token: await tokenFor('lee', 'write:production', 'engineering_lead'),
    },
  ];
  const eventsToken = await tokenFor('demo-app-events', 'sdk:production');

  // The web frontend reports page views, bounces and conversions (the canary's business
  // metrics) to the events API: the demo adds that address to the example Service's deploy env.
  const manifests = join(dataDir, 'manifests');
  mkdirSync(manifests);
  for (const name of ['api-service', 'web-frontend']) {
    const doc = parseYaml(readFileSync(join(ROOT, 'examples/services', `${name}.yaml`), 'utf8'));
    if (name === 'web-frontend') {
      doc.spec.deploy.env = {
        SLUICE_EVENTS_URL: `${url}/api/v1/events?environment=production`,
        SLUICE_EVENTS_TOKEN: eventsToken,
        SLUICE_EVENTS_FLUSH_MS: '250',
      };
    }
    writeFileSync(join(manifests, `${name}.yaml`), toYaml(doc));
  }
  say('the Services the seed plan names (examples/services, with the events address added)');
  await cli(['apply', '-f', manifests]);
  say('the seed plan, unchanged');
  await cli(['apply', '-f', PLAN_FILE]);

  say(
    `users: ${opts.rps} requests/s to the web frontend, ${Math.ceil(opts.rps / 4)}/s to the API, through the router`,
  );
  const load = (target, rps) =>
    startSluice(
      [
        '--url',
        url,
        '--token',
        adminToken,
        'load',
        '--url',
        target,
        '--rps',
        String(rps),
        '--duration',
        '1h',
        '--users',
        '500',
      ],
      { logFile: join(dataDir, 'load.log'), env: {} },
    );
  const loads = [
    load(`http://web.localhost:${routerPort}/`, opts.rps),
    load(`http://api.localhost:${routerPort}/api/v2/status`, Math.ceil(opts.rps / 4)),
  ];
  cleanup.push(() => Promise.all(loads.map((l) => stop(l))));

  const started = JSON.parse(
    await cli(['rollout', 'start', ROLLOUT, '--time-scale', String(opts.timeScale), '-o', 'json']),
  );
  const runId = started.id;
  say(`run ${runId} started; open http://web.localhost:${routerPort}/ to see which version serves you`);
  say(`dashboard: ${url}/rollouts/${runId} (sign in with the admin token ${adminToken})`);

  const view = opts.live ? liveView(url, adminToken, runId, narration) : null;
  cleanup.push(() => view?.stop());
  const run = await drive({ url, adminToken, runId, approvers, opts, say, cli, live: opts.live });
  await view?.stop();
  return conclude(run, { url, adminToken, runId, opts, say, cli });
}

/** Polls the run: approves the manual gate when it asks, breaks the canary on --fail. */
async function drive({ url, adminToken, runId, approvers, opts, say, cli, live }) {
  let approved = false;
  let broken = false;
  let last = '';
  for (;;) {
    const run = await api(url, adminToken, 'GET', `/api/v1/rollout-runs/${runId}`);
    const summary = run.stages.map((s) => `${s.name} ${s.status} ${s.weight}%`).join(' | ');
    // the live view shows the stages itself; without one, each change is a line
    if (summary !== last && !live) say(summary);
    last = summary;
    if (TERMINAL.has(run.status)) return run;
    const gate = run.stages.find((s) => s.waitingFor?.startsWith('approval from'));
    if (gate && !approved && opts.approveInDashboard) {
      approved = true;
      say(`${gate.name} waits for approval: in the dashboard, sign in and approve as each of them`);
      for (const a of approvers) say(`  ${a.subject} (${a.role}): ${a.token}`);
    }
    if (gate && !approved) {
      approved = true;
      say(`${gate.name} waits for ${gate.waitingFor.replace('approval from ', '')}: approving as they would`);
      await sleep(2_000);
      for (const a of approvers) {
        await cli(
          ['rollout', 'approve', runId, '--stage', gate.name, '--comment', `looks good to ${a.role}`],
          a.token,
        );
      }
    }
    const canary = run.stages.find((s) => s.name === 'frontend_canary');
    if (opts.fail && !broken && canary?.status === 'running' && canary.weight > 0) {
      broken = await breakCanary({ url, adminToken, say });
    }
    await sleep(300);
  }
}

/** --fail: half of the canary's answers become 500s, straight at the canary's own address. */
async function breakCanary({ url, adminToken, say }) {
  const snapshot = await api(url, adminToken, 'GET', '/api/v1/router-config');
  const route = snapshot.routes.find((r) => r.host === 'web.localhost');
  const canary = route?.versions.find((v) => v.name === '2.0.0');
  if (!canary) return false;
  say(`--fail: injecting a 50 % error rate into web-frontend 2.0.0 at ${canary.url}`);
  const res = await fetch(new URL('/_faults', canary.url), {
    method: 'POST',
    body: JSON.stringify({ errorRate: 0.5 }),
  });
  if (!res.ok) throw new Error(`the canary refused the fault: ${res.status} ${await res.text()}`);
  return true;
}

async function conclude(run, { runId, opts, say, cli }) {
  say(`run ${runId} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`);
  const history = JSON.parse(
    await cli(['rollout', 'history', runId, '-o', 'json'], undefined, { quiet: true }),
  );
  const rolledBack = history
    .flatMap((e) => e.transitions)
    .filter((t) => t.stage !== null && t.to === 'rolled_back')
    .map((t) => t.stage);
  if (rolledBack.length) say(`rolled back, newest first: ${rolledBack.join(' → ')}`);
  console.log(await cli(['rollout', 'status', runId], undefined, { quiet: true }));
  const expected = opts.fail ? 'rolled_back' : 'succeeded';
  if (run.status !== expected) {
    say(`the demo expected the run to end ${expected}; see the log in the data directory (--keep keeps it)`);
    return 1;
  }
  say(
    opts.fail ? 'the bad canary was caught and every stage rolled back' : 'the seed plan ran to completion',
  );
  return 0;
}

/** The CLI's own live view (`sluice rollout status --watch`), above the demo's last lines. */
function liveView(url, token, runId, narration) {
  let frame = '';
  let stopped = false;
  const draw = () => {
    process.stdout.write(`\x1b[2J\x1b[H${frame}\n${narration.lines.slice(-8).join('\n')}\n`);
  };
  narration.setUnderView(true);
  const child = startSluiceWatch(url, token, runId, (text) => {
    frame = text;
    draw();
  });
  const timer = setInterval(draw, 1000);
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await stop(child);
      draw();
      narration.setUnderView(false);
    },
  };
}

function startSluiceWatch(url, token, runId, onFrame) {
  const child = startSluice(
    ['--url', url, '--token', token, 'rollout', 'status', runId, '--watch', '--interval', '500'],
    {
      logFile: '/dev/null',
      env: {},
    },
  );
  // Without a terminal the CLI prints each changed view in turn; each begins with the rollout's
  // name, so the newest complete view is the text between the last two beginnings.
  const marker = `${ROLLOUT} · run`;
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const last = buffer.lastIndexOf(marker);
    const previous = last > 0 ? buffer.lastIndexOf(marker, last - 1) : -1;
    if (previous >= 0) {
      onFrame(buffer.slice(previous, last));
      buffer = buffer.slice(last);
    }
  });
  child.stdout.on('end', () => buffer && onFrame(buffer));
  return child;
}

process.exitCode = await main();
