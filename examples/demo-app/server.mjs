#!/usr/bin/env node
// Sluice demo app: a small versioned HTTP service with run-time fault injection, used by the
// examples, the integration tests and the benchmarks. node:http only, no dependencies.
import { randomUUID } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: server.mjs --version V [--port 5001] [--host 127.0.0.1]
                   [--events-url URL --events-token T | --events-token-file PATH --events-flush-ms 1000]`;

/** Fault settings and their bounds; one table drives validation and the defaults. */
const FAULT_FIELDS = {
  errorRate: { min: 0, max: 1, initial: 0 },
  latencyMs: { min: 0, max: 60_000, initial: 0 },
  latencyJitterMs: { min: 0, max: 60_000, initial: 0 },
  // The seed plan's canary allows a 30 % bounce rate; a healthy release sits below it.
  bounceRate: { min: 0, max: 1, initial: 0.2 },
  // Share of the page views that did not bounce which convert.
  conversionRate: { min: 0, max: 1, initial: 0.5 },
};

export function parseOptions(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      version: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'events-url': { type: 'string' },
      'events-token': { type: 'string' },
      'events-token-file': { type: 'string' },
      'events-flush-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const version = values.version ?? env.SLUICE_DEMO_VERSION ?? env.VERSION;
  if (!version) throw new Error('--version is required');
  const port = Number(values.port ?? env.PORT ?? 5001);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: bad port "${values.port}"`);
  const tokenFile = values['events-token-file'] ?? (env.SLUICE_EVENTS_TOKEN_FILE || undefined);
  let eventsToken = values['events-token'] ?? env.SLUICE_EVENTS_TOKEN;
  if (eventsToken === undefined && tokenFile !== undefined) {
    try {
      eventsToken = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new Error(`--events-token-file: cannot read ${tokenFile} (${error.code ?? error.message})`);
    }
  }
  // Started by Sluice, the app is told where the control plane is (SLUICE_URL) and which
  // environment it runs in: with a token, that is where its events go unless told otherwise.
  const reported =
    eventsToken && env.SLUICE_URL && env.SLUICE_ENVIRONMENT
      ? `${env.SLUICE_URL.replace(/\/+$/, '')}/api/v1/events?environment=${encodeURIComponent(env.SLUICE_ENVIRONMENT)}`
      : undefined;
  const eventsUrl = values['events-url'] ?? (env.SLUICE_EVENTS_URL || reported);
  if (eventsUrl !== undefined) new URL(eventsUrl); // throws on a malformed URL
  const flushText = values['events-flush-ms'] ?? env.SLUICE_EVENTS_FLUSH_MS ?? '1000';
  const eventsFlushMs = Number(flushText);
  if (!Number.isInteger(eventsFlushMs) || eventsFlushMs < 50 || eventsFlushMs > 60_000)
    throw new Error(`--events-flush-ms: "${flushText}" is not a whole number from 50 to 60000`);
  return {
    version,
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    eventsUrl,
    eventsToken,
    eventsFlushMs,
  };
}

/** Validates a `POST /_faults` body: returns {faults} or {error: {field, message}}. */
export function validateFaults(body, current) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { error: { field: '$', message: 'expected a JSON object' } };
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(body)) {
    const spec = FAULT_FIELDS[key];
    if (!spec)
      return {
        error: { field: key, message: `unknown field; known: ${Object.keys(FAULT_FIELDS).join(', ')}` },
      };
    if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      return { error: { field: key, message: `must be a number from ${spec.min} to ${spec.max}` } };
    }
    next[key] = value;
  }
  return { faults: next };
}

function initialFaults() {
  return Object.fromEntries(Object.entries(FAULT_FIELDS).map(([k, v]) => [k, v.initial]));
}

/** The user a request speaks for: header `x-user-id`, else cookie `sluice_uid`. */
function userOf(req) {
  const header = req.headers['x-user-id'];
  if (typeof header === 'string' && header !== '') return header;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'sluice_uid' && rest.length > 0) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** Buffers events and posts them every `flushMs`; best effort: failures are logged, never thrown. */
function createEventSink({ url, token, flushMs, log }) {
  let buffer = [];
  let inFlight = Promise.resolve();
  const flush = () => {
    if (buffer.length === 0) return inFlight;
    const events = buffer;
    buffer = [];
    inFlight = inFlight.then(async () => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ events }),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) log(`events: ${url} answered ${res.status}; dropped ${events.length} events`);
        await res.body?.cancel();
      } catch (err) {
        log(`events: post to ${url} failed (${err.message}); dropped ${events.length} events`);
      }
    });
    return inFlight;
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();
  return {
    push: (event) => {
      // Bounded: a control plane that is away must not make the app grow without limit.
      if (buffer.length < 10_000) buffer.push(event);
    },
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function page(version) {
  const v = String(version).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice demo ${v}</title>
<style>body{font-family:system-ui,sans-serif;margin:4rem;text-align:center}
.v{font-size:4rem;font-weight:700}</style></head>
<body><p>Sluice demo app</p><p class="v">v${v}</p><p>served at ${new Date().toISOString()}</p></body></html>
`;
}

export function createDemoServer(options, log = (line) => console.error(line)) {
  const { version } = options;
  let faults = initialFaults();
  const sink = options.eventsUrl
    ? createEventSink({
        url: options.eventsUrl,
        token: options.eventsToken,
        flushMs: options.eventsFlushMs ?? 1000,
        log,
      })
    : null;
  const startedAt = Date.now();

  // Outcomes are spread evenly rather than drawn at random (error diffusion): at bounceRate 0.2
  // every 5th page view bounces, so even a short metric window shows the configured rates
  // within one event, and demos judge a healthy release steadily.
  const credit = { bounce: 0, conversion: 0 };
  const outcome = () => {
    credit.bounce += faults.bounceRate;
    if (credit.bounce >= 1) {
      credit.bounce -= 1;
      return 'bounce';
    }
    credit.conversion += faults.conversionRate;
    if (credit.conversion >= 1) {
      credit.conversion -= 1;
      return 'conversion';
    }
    return null;
  };

  const emit = (user, name) =>
    sink?.push({ id: randomUUID(), user, version, name, time: new Date().toISOString() });

  const send = (res, status, body, type = 'application/json') => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handleFaults = async (req, res) => {
    if (req.method === 'GET') return send(res, 200, faults);
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
    let raw = '';
    for await (const chunk of req) {
      raw += chunk;
      if (raw.length > 10_000) return send(res, 413, { error: 'body too large' });
    }
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'body is not valid JSON', field: '$' });
    }
    const result = validateFaults(body, faults);
    if (result.error)
      return send(res, 400, { error: `${result.error.field}: ${result.error.message}`, ...result.error });
    faults = result.faults;
    log(`faults set: ${JSON.stringify(faults)}`);
    return send(res, 200, faults);
  };

  const server = http.createServer(async (req, res) => {
    res.setHeader('sluice-demo-version', version);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === '/_faults') return await handleFaults(req, res);
      // Health stays truthful about the process: faults model a bad release, not a dead one.
      if (path === '/health') return send(res, 200, { status: 'ok', version });
      const delay = faults.latencyMs + Math.random() * faults.latencyJitterMs;
      if (delay > 0) await sleep(delay);
      if (Math.random() < faults.errorRate) return send(res, 500, { error: 'injected fault', version });
      const user = userOf(req);
      if (path === '/api/v2/status') {
        return send(res, 200, { status: 'ok', version, uptimeSeconds: (Date.now() - startedAt) / 1000 });
      }
      if (path === '/' || path === '/index.html') {
        if (user !== undefined) {
          emit(user, 'page_view');
          const then = outcome();
          if (then) emit(user, then);
        }
        return send(res, 200, page(version), 'text/html; charset=utf-8');
      }
      return send(res, 404, { error: 'not found', path });
    } catch (err) {
      log(`request failed: ${err.message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5000;

  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => resolve(server.address().port));
      }),
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await sink?.close();
    },
  };
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const app = createDemoServer(options);
  // Signal handlers go in before the port opens: a supervisor may stop us the moment we say we listen.
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: draining`);
    // Bounded drain: in-flight requests finish, then the process exits even if a client lingers.
    setTimeout(() => process.exit(0), 10_000).unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const port = await app.listen();
  console.log(`demo app ${options.version} listening on ${port}`);
}

// Run only as a program, so tests can import the pieces (also through the npm bin symlink).
const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  await main();
}
