// An evaluation's work and nothing else, as a node:http request handler: body read and parsed,
// the flags evaluated with Sluice's engine (packages/core, compiled build) for the context, the
// OFREP answer built from the same cached JSON fragments Sluice uses (packages/server
// flags/ofrep/fragments.ts). `POST …/flags/{key}` evaluates that one flag, any other URL all 50.
// No auth, no ETag, no CORS or request id, no metrics, no log. Shared by engine-echo.mjs (in a
// bare process) and engine-in-sluice.mjs (in Sluice's process).
import { compileFlagSet, evaluate } from '../../packages/core/dist/flags/index.js';
import { evaluationJson } from '../../packages/server/dist/flags/ofrep/fragments.js';
import { flagdFile } from './flags.mjs';

const set = compileFlagSet(flagdFile(), { mode: 'flagd' });
const keys = [...set.flags.keys()];
const now = () => Math.floor(Date.now() / 1000);
const SINGLE = '/ofrep/v1/evaluate/flags/';

/** Answers one OFREP evaluation request with the engine's work alone. */
export function answerWithEngine(req, res) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const context = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.context ?? {};
    const options = { now: now() };
    let body;
    if (req.url.startsWith(SINGLE)) {
      const key = req.url.slice(SINGLE.length);
      body = evaluationJson(key, evaluate(set, key, 'any', undefined, context, options));
    } else {
      const parts = [];
      for (const key of keys)
        parts.push(evaluationJson(key, evaluate(set, key, 'any', undefined, context, options)));
      body = `{"flags":[${parts.join(',')}]}`;
    }
    res.writeHead(200, [
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(Buffer.byteLength(body)),
    ]);
    res.end(body);
  });
}
