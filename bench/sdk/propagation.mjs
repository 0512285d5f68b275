// Propagation: `clients` SDK clients (SluiceClient, in `procs` processes) on one Sluice over
// loopback; one flag is changed through the API (a default-variant write, then a kill switch, in
// turns) and each client's time to serve the new version is taken from the write's start.
// Beside it, in the same run, the ceiling: the same number of fetch + eventsource-parser readers
// of a bare node:http SSE server writing one frame of the same size (no framework, no database,
// no compile). Peer figure: the Unleash SDKs poll every 15 s by default (mean wait 7.5 s).
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { quantile } from './shared.mjs';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const wall = () => performance.timeOrigin + performance.now();

async function child(file, args) {
  const p = spawn(process.execPath, [here(file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: p.stdout }), 'line');
  return { proc: p, info: JSON.parse(line) };
}

async function clientsOf(mode, url, token, clients, procs) {
  const workers = [];
  for (let i = 0; i < procs; i++) {
    const w = fork(here('clients.mjs'), [mode, url, token, String(Math.ceil(clients / procs))], {
      stdio: 'inherit',
    });
    workers.push(w);
  }
  await Promise.all(workers.map((w) => once(w, 'message')));
  return workers;
}

async function collect(workers, version, expected) {
  for (let tries = 0; tries < 200; tries++) {
    const all = [];
    for (const w of workers) {
      w.send({ type: 'collect', version });
      const [m] = await once(w, 'message');
      all.push(...m.times);
    }
    if (all.length >= expected) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`version ${version}: not every client got it`);
}

function summary(latencies) {
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: Math.max(...latencies),
  };
}

/** Sluice: `changes` writes; returns the latencies of writes and of kills separately. */
export async function sluiceRun({ clients, procs, changes, flagCount }) {
  const { proc, info } = await child('server.mjs', [String(flagCount)]);
  const { url, token, adminToken } = info;
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const workers = await clientsOf('sluice', url, token, clients, procs);
  const versionNow = async () =>
    (await (await fetch(`${url}/api/v1/sdk/flag-set?environment=production`, { headers: admin })).json())
      .version;
  const result = { write: [], kill: [], payloadBytes: 0 };
  try {
    for (let i = 0; i < changes; i++) {
      const kill = i % 2 === 1;
      const before = await versionNow();
      const start = wall();
      const res = kill
        ? await fetch(
            `${url}/api/v1/flags/flag-0/${i % 4 === 1 ? 'kill' : 'unkill'}?environment=production`,
            {
              method: 'POST',
              headers: admin,
              body: JSON.stringify({ reason: 'bench' }),
            },
          )
        : await fetch(`${url}/api/v1/flags/flag-0?environment=production`, {
            method: 'PUT',
            headers: admin,
            body: JSON.stringify({
              spec: {
                state: 'ENABLED',
                variants: { on: true, off: false },
                defaultVariant: i % 4 === 0 ? 'on' : 'off',
              },
            }),
          });
      if (!res.ok) throw new Error(`change ${i}: ${res.status} ${await res.text()}`);
      const after = await versionNow();
      if (after === before) throw new Error(`change ${i} did not move the version`);
      const times = await collect(workers, after, clients);
      result[kill ? 'kill' : 'write'].push(...times.map((t) => t - start));
      await new Promise((r) => setTimeout(r, 150));
    }
    const set = await (
      await fetch(`${url}/api/v1/sdk/flag-set?environment=production`, { headers: admin })
    ).text();
    result.payloadBytes = set.length;
  } finally {
    for (const w of workers) w.kill();
    proc.kill();
  }
  return result;
}

/** The ceiling: bare SSE fan-out of a frame of the same size to the same number of readers. */
export async function bareRun({ clients, procs, changes, bytes }) {
  const { proc, info } = await child('bare-sse.mjs', [String(bytes)]);
  const workers = await clientsOf('bare', info.url, '-', clients, procs);
  const latencies = [];
  try {
    for (let i = 1; i <= changes; i++) {
      const start = wall();
      await fetch(`${info.url}/fire?id=${i}`, { method: 'POST' });
      latencies.push(...(await collect(workers, i, clients)).map((t) => t - start));
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    for (const w of workers) w.kill();
    proc.kill();
  }
  return latencies;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const clients = Number(process.argv[2] ?? 1000);
  const procs = Number(process.argv[3] ?? 2);
  const changes = Number(process.argv[4] ?? 10);
  const started = wall();
  const sluice = await sluiceRun({ clients, procs, changes, flagCount: 20 });
  const bare = await bareRun({ clients, procs, changes, bytes: sluice.payloadBytes });
  const { machine } = await import('./shared.mjs');
  const row = (name, l) => {
    const s = summary(l);
    return `| ${name} | ${l.length} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} |`;
  };
  console.log(
    `${await machine()}; ${clients} clients in ${procs} processes, ${changes} changes, set of 20 flags (${sluice.payloadBytes} bytes); ${((wall() - started) / 1000).toFixed(1)} s`,
  );
  console.log('| path | deliveries | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|');
  console.log(row('Sluice: flag write → every SDK serves it', sluice.write));
  console.log(row('Sluice: kill switch → every SDK serves it', sluice.kill));
  console.log(row('ceiling: bare node:http SSE fan-out, same frame size', bare));
  const p99 = summary([...sluice.write, ...sluice.kill]).p99;
  console.log(
    `Sluice p99 ÷ ceiling p99: ${(p99 / summary(bare).p99).toFixed(2)}; target p99 < 100 ms: ${p99 < 100 ? 'met' : 'missed'}; peer: Unleash SDK default refresh 15,000 ms (mean 7,500 ms)`,
  );
  process.exit(0);
}
