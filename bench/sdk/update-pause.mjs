// The longest event-loop pause while an SDK takes a new version of a 10,000-flag set from its
// stream: a one-flag write (sent as a delta, as the server does), the whole set with one flag
// changed (what a reconnect receives) and the whole set with every flag changed. A 1 ms ticker
// measures the loop's gaps during each update (and the process CPU time spent in the longest
// one: on a loaded machine a gap is often the OS running someone else), and
// perf_hooks.monitorEventLoopDelay its delay histogram; the SSE server runs in another process
// so only the client's work counts. In the same run, the ceiling parts of the runtime: JSON.parse
// of the same payload, and compiling it at once with the core engine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compileFlagSet } from '../../packages/core/dist/flags/index.js';
import { SluiceClient } from '../../packages/sdk/dist/index.js';
import { machine, median, payloadOf } from './shared.mjs';

const flagCount = Number(process.argv[2] === 'serve' ? 0 : (process.argv[2] ?? 10_000));
const updates = Number(process.argv[3] ?? 6);

if (process.argv[2] === 'serve') {
  // the stream's server: sends version 1 on connect, version N on each line read from stdin
  const { createServer } = await import('node:http');
  const n = Number(process.argv[3]);
  // the rules' text names this version: an `every` update moves it, so that no flag is as it was
  let generation = 1;
  const frame = (v) => {
    return `id: ${v}\nevent: flag-set\ndata: ${JSON.stringify(payloadOf(flagsOf(n, v, generation), v))}\n\n`;
  };
  const streams = new Set();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(frame(1));
    streams.add(res);
  });
  server.listen(0, '127.0.0.1', () =>
    console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })),
  );
  // as the server sends a one-flag write: only that flag, from the version held
  const delta = (v) => {
    const d = {
      environment: 'production',
      version: v,
      digest: `bench-${v}`,
      base: v - 1,
      builtAt: new Date(0).toISOString(),
      changed: { 'flag-0': flagsOf(1, v, generation)['flag-0'] },
      removed: [],
      killed: [],
      emergency: false,
    };
    return `id: ${v}\nevent: flag-set-delta\ndata: ${JSON.stringify(d)}\n\n`;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [kind, v] = line.split(' ');
    if (kind === 'every') generation = Number(v);
    for (const s of streams) s.write(kind === 'delta' ? delta(Number(v)) : frame(Number(v)));
  }
} else {
  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', String(flagCount)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  const { url } = JSON.parse(line);
  const client = new SluiceClient({ url, token: 'bench', idleTimeoutMs: 600_000 });
  await client.waitForReady({ timeoutMs: 60_000 });

  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let worst = 0;
  let worstCpu = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last > worst) {
      worst = now - last;
      worstCpu = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    }
    last = now;
    lastCpu = cpu;
  }, 1);
  const kinds = ['delta', 'full', 'every'];
  const pauses = Object.fromEntries(kinds.map((k) => [k, []]));
  const cpus = Object.fromEntries(kinds.map((k) => [k, []]));
  const took = Object.fromEntries(kinds.map((k) => [k, []]));
  const delays = Object.fromEntries(kinds.map((k) => [k, { p99: [], max: [] }]));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  for (let v = 2; v < 2 + kinds.length * updates; v++) {
    // in turn: a write (delta), a reconnect (whole set, one flag changed), every flag changed
    const kind = kinds[v % kinds.length];
    await new Promise((r) => setTimeout(r, 200));
    worst = 0;
    worstCpu = 0;
    last = performance.now();
    lastCpu = process.cpuUsage();
    const got = new Promise((resolve) => {
      const off = client.on('change', () => {
        off();
        resolve();
      });
    });
    const sent = performance.now();
    histogram.reset();
    server.stdin.write(`${kind} ${v}\n`);
    await got;
    took[kind].push(performance.now() - sent);
    await new Promise((r) => setTimeout(r, 20));
    delays[kind].p99.push(histogram.percentile(99) / 1e6);
    delays[kind].max.push(histogram.max / 1e6);
    pauses[kind].push(worst);
    cpus[kind].push(worstCpu);
  }
  clearInterval(ticker);

  const text = JSON.stringify(payloadOf(flagsOf(flagCount, 1), 1));
  const parse = [];
  const compile = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const raw = JSON.parse(text);
    parse.push(performance.now() - t);
    t = performance.now();
    compileFlagSet({ flags: raw.flags }, { segments: {}, mode: 'flagd' });
    compile.push(performance.now() - t);
  }
  console.log(
    `${await machine()}; ${flagCount} flags (${(text.length / 1e6).toFixed(2)} MB), ${updates} updates`,
  );
  console.log(
    '| measure | longest pause, median ms | longest pause, max ms | CPU ms in the longest pause, median | event-loop delay p99, median ms | event-loop delay max, median ms | send → served, median ms |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [kind, what] of [
    ['delta', 'a one-flag write (delta)'],
    ['full', 'the whole set, one flag changed (reconnect)'],
    ['every', 'the whole set, every flag changed'],
  ])
    console.log(
      `| SDK takes ${what} | ${median(pauses[kind]).toFixed(1)} | ${Math.max(...pauses[kind]).toFixed(1)} | ${median(cpus[kind]).toFixed(1)} | ${median(delays[kind].p99).toFixed(1)} | ${median(delays[kind].max).toFixed(1)} | ${median(took[kind]).toFixed(0)} |`,
    );
  console.log(
    `| ceiling part: JSON.parse of the payload at once | ${median(parse).toFixed(1)} | ${Math.max(...parse).toFixed(1)} | | | | |`,
  );
  console.log(
    `| engine part: compileFlagSet of the flags at once | ${median(compile).toFixed(1)} | ${Math.max(...compile).toFixed(1)} | | | | |`,
  );
  await client.close();
  server.kill();
  process.exit(0);
}

function flagsOf(n, version, generation = 1) {
  const out = {};
  for (let i = 0; i < n; i++) {
    out[`flag-${i}`] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: i === 0 && version % 2 ? 'on' : 'off',
      targeting: {
        if: [{ ends_with: [{ var: 'email' }, `@team-${i}-g${generation}.example`] }, 'on', null],
      },
    };
  }
  return out;
}
