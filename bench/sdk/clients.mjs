// A process holding `n` SDK clients (forked by propagation.mjs). `sluice` mode: SluiceClients on
// the server's SDK stream, each recording when it first serves a new version. `bare` mode: plain
// fetch + eventsource-parser readers of a bare SSE server (the runtime's ceiling), each recording
// when a frame arrives. Times are wall-clock ms (performance.timeOrigin + now), comparable across
// processes.
import { setMaxListeners } from 'node:events';
import { SluiceClient } from '../../packages/sdk/dist/index.js';
import { readEventStream } from '../../packages/sdk/dist/stream/sse.js';

const [mode, url, token, count] = process.argv.slice(2);
const n = Number(count);
const wall = () => performance.timeOrigin + performance.now();
/** version → arrival times */
const arrivals = new Map();
const seen = (version) => {
  let list = arrivals.get(version);
  if (!list) {
    list = [];
    arrivals.set(version, list);
  }
  list.push(wall());
};

let ready = 0;
const stop = new AbortController();
setMaxListeners(n + 10, stop.signal);
for (let i = 0; i < n; i++) {
  if (mode === 'sluice') {
    const c = new SluiceClient({ url, token, backoff: { initialMs: 100, maxMs: 1000 } });
    c.on('change', ({ version }) => seen(version));
    c.waitForReady({ timeoutMs: 60_000 }).then(() => {
      if (++ready === n) process.send({ type: 'ready' });
    });
  } else {
    let first = true;
    void readEventStream({
      url,
      headers: {},
      signal: stop.signal,
      idleTimeoutMs: 120_000,
      onOpen: () => {
        if (first && ++ready === n) process.send({ type: 'ready' });
        first = false;
      },
      onEvent: (e) => seen(Number(e.id)),
    }).catch(() => {});
  }
}

process.on('message', (m) => {
  if (m.type === 'collect')
    process.send({ type: 'arrivals', version: m.version, times: arrivals.get(m.version) ?? [] });
  if (m.type === 'exit') process.exit(0);
});
