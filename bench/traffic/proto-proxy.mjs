// Bare proxies that differ only in the upstream client, to measure what a client change is
// worth before touching the router: a node:http server forwarding to one upstream with
//   agent            http.Agent + pipe (what the router used; same as bare-node-proxy.mjs)
//   agent-raw        http.Agent, raw header arrays, 'data'/'end' instead of pipe
//   undici-request   undici Pool.request, body piped
//   undici-dispatch  undici Pool.dispatch (handler callbacks, raw headers, no streams)
//   undici-hold      as undici-dispatch, but a one-chunk body goes out with res.end(chunk)
//   undici-headers   as undici-dispatch, plus the headers the router adds (X-Forwarded-For/Proto/Host
//                    upstream, one response header back): what those cost without the rest
//   static           no upstream: the server answers from memory (the ceiling of node:http)
// No split, metrics, timeouts or header hygiene. argv: mode port upstreamPort
import http from 'node:http';
import { Pool } from 'undici';

const [mode, portArg, upstreamArg] = process.argv.slice(2);
const port = Number(portArg);
const upstreamPort = Number(upstreamArg);
const origin = `http://127.0.0.1:${upstreamPort}`;

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const hasBody = (req) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

function rawRequestHeaders(req) {
  const out = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function agentHandler() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return (req, res) => {
    const up = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(up);
  };
}

function agentRawHandler() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
  return (req, res) => {
    const up = http.request({
      host: '127.0.0.1',
      port: upstreamPort,
      path: req.url,
      method: req.method,
      headers: rawRequestHeaders(req),
      agent,
    });
    up.on('response', (upRes) => {
      const out = [];
      const raw = upRes.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
      }
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.on('data', (c) => {
        if (!res.write(c)) upRes.pause();
      });
      res.on('drain', () => upRes.resume());
      upRes.on('end', () => res.end());
    });
    up.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    if (hasBody(req)) req.pipe(up);
    else {
      up.end();
      req.resume();
    }
  };
}

const pool = () => new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 4_000 });

function undiciRequestHandler() {
  const upstream = pool();
  return (req, res) => {
    const body = hasBody(req) ? req : null;
    if (!body) req.resume();
    upstream.request({ path: req.url, method: req.method, headers: rawRequestHeaders(req), body }).then(
      ({ statusCode, headers, body: upBody }) => {
        for (const h of HOP) delete headers[h];
        res.writeHead(statusCode, headers);
        upBody.pipe(res);
      },
      () => {
        res.statusCode = 502;
        res.end();
      },
    );
  };
}

/** Legacy dispatch handler: undici calls it without an adapter and hands over raw header buffers. */
class Forwarding {
  constructor(res, hold, extra) {
    this.res = res;
    this.hold = hold;
    this.extra = extra;
    this.held = null;
    this.resume = null;
  }
  onConnect() {}
  onHeaders(status, rawHeaders, resume) {
    const out = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i].toString('latin1');
      if (!HOP.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1].toString('latin1'));
    }
    if (this.extra) out.push('sluice-version', 'blue');
    this.res.writeHead(status, out);
    this.resume = resume;
    return true;
  }
  onData(chunk) {
    if (this.hold && this.held === null) {
      this.held = chunk;
      return true;
    }
    if (this.held !== null) {
      this.res.write(this.held);
      this.held = null;
    }
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.resume);
    return ok;
  }
  onComplete() {
    if (this.held !== null) this.res.end(this.held);
    else this.res.end();
  }
  onError() {
    if (this.res.headersSent) this.res.destroy();
    else {
      this.res.statusCode = 502;
      this.res.end();
    }
  }
}

function undiciDispatchHandler(hold, extra = false) {
  const upstream = pool();
  return (req, res) => {
    const body = hasBody(req) ? req : null;
    if (!body) req.resume();
    const headers = rawRequestHeaders(req);
    if (extra) {
      const prior = req.headers['x-forwarded-for'];
      const ip = req.socket.remoteAddress ?? '';
      headers.push('x-forwarded-for', prior ? `${prior}, ${ip}` : ip, 'x-forwarded-proto', 'http');
      headers.push('x-forwarded-host', req.headers.host ?? '');
    }
    upstream.dispatch({ path: req.url, method: req.method, headers, body }, new Forwarding(res, hold, extra));
  };
}

const handlers = {
  static: () => (req, res) => {
    req.resume();
    res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', '5']).end('blue\n');
  },
  agent: agentHandler,
  'agent-raw': agentRawHandler,
  'undici-request': undiciRequestHandler,
  'undici-dispatch': () => undiciDispatchHandler(false),
  'undici-hold': () => undiciDispatchHandler(true),
  'undici-headers': () => undiciDispatchHandler(false, true),
};
const make = handlers[mode];
if (!make) {
  console.error(`unknown mode ${mode}; one of ${Object.keys(handlers).join(', ')}`);
  process.exit(2);
}
http.createServer(make()).listen(port, '127.0.0.1');
// An orderly exit, so that `node --cpu-prof` writes its profile.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
