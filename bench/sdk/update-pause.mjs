// The longest event-loop pause while an SDK takes a new version of a 10,000-flag set from its
// stream: a one-flag write (sent as a delta, as the server does) and the whole set (what a
// reconnect receives). A 1 ms ticker measures the loop's gaps during each update; the SSE
// server runs in another process so only the client's work counts. In the same run, the ceiling
// parts of the runtime: JSON.parse of the same payload, and compiling it with the core engine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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
  const frame = (v) => {
    return `id: ${v}\nevent: flag-set\ndata: ${JSON.stringify(payloadOf(flagsOf(n, v), v))}\n\n`;
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
      changed: { 'flag-0': flagsOf(1, v)['flag-0'] },
      removed: [],
      killed: [],
      emergency: false,
    };
    return `id: ${v}\nevent: flag-set-delta\ndata: ${JSON.stringify(d)}\n\n`;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [kind, v] = line.split(' ');
    for (const s of streams) s.write(kind === 'full' ? frame(Number(v)) : delta(Number(v)));
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
  let worst = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const pauses = { delta: [], full: [] };
  for (let v = 2; v <= 2 * updates + 1; v++) {
    // deltas (what a write sends), and every other time the whole set (what a reconnect gets)
    const kind = v % 2 ? 'full' : 'delta';
    await new Promise((r) => setTimeout(r, 200));
    worst = 0;
    last = performance.now();
    const got = new Promise((resolve) => {
      const off = client.on('change', () => {
        off();
        resolve();
      });
    });
    server.stdin.write(`${kind} ${v}\n`);
    await got;
    await new Promise((r) => setTimeout(r, 20));
    pauses[kind].push(worst);
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
  console.log('| measure | median ms | max ms |');
  console.log('|---|---|---|');
  for (const [kind, what] of [
    ['delta', 'a one-flag write (delta)'],
    ['full', 'the whole set (reconnect)'],
  ])
    console.log(
      `| SDK takes ${what}: longest event-loop pause | ${median(pauses[kind]).toFixed(1)} | ${Math.max(...pauses[kind]).toFixed(1)} |`,
    );
  console.log(
    `| ceiling part: JSON.parse of the payload | ${median(parse).toFixed(1)} | ${Math.max(...parse).toFixed(1)} |`,
  );
  console.log(
    `| engine part: compileFlagSet of the flags | ${median(compile).toFixed(1)} | ${Math.max(...compile).toFixed(1)} |`,
  );
  await client.close();
  server.kill();
  process.exit(0);
}

function flagsOf(n, version) {
  const out = {};
  for (let i = 0; i < n; i++) {
    out[`flag-${i}`] = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: i === 0 && version % 2 ? 'on' : 'off',
      targeting: { if: [{ ends_with: [{ var: 'email' }, `@team-${i}.example`] }, 'on', null] },
    };
  }
  return out;
}
