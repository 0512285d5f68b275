import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { SluiceError } from '@sluice/core/errors';
import type { CompiledRoute } from '../table/index.js';
import { rawProblem, UpstreamTimeout, UpstreamUnavailable } from './errors.js';
import type { ForwardDeps } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import type { Selection } from './select.js';
import { targetOf, upstreamPath } from './target.js';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'trailer']);

/**
 * A response head written on the raw socket. Without `keepHop`, hop-by-hop headers are dropped:
 * the body that follows is node's decoded stream, delimited by closing the connection.
 */
function head(statusLine: string, rawHeaders: string[], extra: [string, string][], keepHop = false): string {
  let out = `${statusLine}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (!keepHop && HOP.has(name.toLowerCase())) continue;
    out += `${name}: ${rawHeaders[i + 1]}\r\n`;
  }
  for (const [k, v] of extra) out += `${k}: ${v}\r\n`;
  return `${out}\r\n`;
}

/**
 * Passes a protocol upgrade (WebSocket) through: the handshake goes to the selected version on
 * a dedicated connection; after its 101 the two sockets are spliced together. The handshake is
 * recorded as one request of that version (status 101, or the upstream's refusal).
 */
export function forwardUpgrade(
  deps: ForwardDeps,
  route: CompiledRoute,
  selection: Selection,
  path: string,
  req: IncomingMessage,
  socket: Duplex,
  headBytes: Buffer,
): void {
  const { version } = selection;
  const target = targetOf(version);
  const started = performance.now();
  let done = false;
  const finish = (status: number) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    deps.metrics.record(
      route.name,
      version.name,
      { status, seconds: (performance.now() - started) / 1000 },
      deps.now(),
    );
  };
  const fail = (error: SluiceError) => {
    if (done) return;
    upstream.destroy();
    socket.end(rawProblem(error));
    finish(error.status);
  };

  const transport = target.protocol === 'https:' ? https : http;
  const upstream = transport.request({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path: upstreamPath(route, version, path),
    headers: upstreamRequestHeaders(req, {
      upstreamHost: target.host,
      preserveHost: route.config.preserveHost,
      trustForwarded: deps.trustForwarded === true,
      upgrade: true,
    }),
    agent: false,
    ...version.tls,
  });
  const timer = setTimeout(
    () => fail(UpstreamTimeout(`version ${version.name} did not answer the upgrade in time`)),
    route.config.timeouts.responseMs,
  );
  socket.on('error', () => upstream.destroy());
  upstream.on('error', (err: NodeJS.ErrnoException) =>
    fail(UpstreamUnavailable(`version ${version.name} of route ${route.name}: ${err.code ?? err.message}`)),
  );
  upstream.on('response', (res) => {
    // The upstream refused the upgrade: relay its answer as a plain response and close.
    const status = res.statusCode ?? 502;
    socket.write(
      head(`HTTP/1.1 ${status} ${res.statusMessage ?? ''}`, res.rawHeaders, [
        ['sluice-version', version.name],
        ['connection', 'close'],
      ]),
    );
    res.pipe(socket);
    finish(status);
  });
  upstream.on('upgrade', (res, upSocket, upHead) => {
    finish(101);
    socket.write(
      head(
        `HTTP/1.1 101 ${res.statusMessage ?? 'Switching Protocols'}`,
        res.rawHeaders,
        [['sluice-version', version.name]],
        true,
      ),
    );
    if (upHead.length > 0) socket.write(upHead);
    // Either side going away takes the other with it; nothing is left half open.
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    upSocket.pipe(socket).pipe(upSocket);
  });
  if (headBytes.length > 0) upstream.write(headBytes);
  upstream.end();
}
