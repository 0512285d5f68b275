// Calibration: Sluice's process exactly as the bench runs it (sluice-start.mjs: its code and heap,
// its timers, metrics and log), with the OFREP evaluations answered by engine-answer.mjs instead:
// a listener ahead of Sluice's own takes them, so none of Sluice's per-request work runs (token
// check, request id, CORS, ETag, counters, histogram). Sluice's row ÷ this row is the cost of
// that work; engine-echo's row ÷ this row, the cost of running in a process of Sluice's size.
// Prints {url, token} on stdout (the token, so the requests carry the same bytes as Sluice's).
import { answerWithEngine } from './engine-answer.mjs';
import { startSluice } from './sluice-start.mjs';

const { server, url, token } = await startSluice(Number(process.argv[2] ?? 0)); // 0: any free port
const http = server.app.fastify.server;
const sluiceListeners = http.listeners('request');
http.removeAllListeners('request');
http.on('request', (req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/ofrep/v1/evaluate/flags')) answerWithEngine(req, res);
  else for (const listener of sluiceListeners) listener.call(http, req, res);
});
process.stdout.write(`${JSON.stringify({ url, token })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
