import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { SluiceError } from '@sluice/core/errors';
import type { RouterMetrics } from '../metrics/index.js';
import type { CompiledRoute } from '../table/index.js';
import type { AgentPool } from './agents.js';
import { sendProblem, UpstreamTimeout, UpstreamUnavailable } from './errors.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { Selection } from './select.js';
import { targetOf, upstreamPath } from './target.js';

export interface ForwardDeps {
  agents: AgentPool;
  metrics: RouterMetrics;
  /** Wall clock (ms) for the metric windows; durations use the monotonic clock. */
  now: () => number;
  /** Keep clients' X-Forwarded-Proto/Host (only behind a trusted proxy). */
  trustForwarded?: boolean;
}

/** Status recorded for a request the client gave up on (nginx's convention; not an error). */
export const CLIENT_CLOSED = 499;

export interface ForwardResult {
  status: number;
  seconds: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request that can be sent twice: idempotent and without a body. */
function replayable(req: IncomingMessage): boolean {
  return (
    IDEMPOTENT.has(req.method ?? '') &&
    req.headers['transfer-encoding'] === undefined &&
    (req.headers['content-length'] === undefined || req.headers['content-length'] === '0')
  );
}

/**
 * Sends one request to the selected version and streams the answer back. Every request ends
 * in exactly one recorded outcome: the upstream's status, a 502/504 problem document of ours,
 * 0 for a response cut off mid-body, or 499 when the client went away first.
 *
 * A bodiless idempotent request that fails on a reused keep-alive connection before any
 * response byte is sent once more on a fresh one: the upstream closed that idle connection
 * as the request went out (the keep-alive race), so the request never reached it.
 */
export function forward(
  deps: ForwardDeps,
  route: CompiledRoute,
  selection: Selection,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  onDone?: (result: ForwardResult) => void,
): void {
  const { version } = selection;
  const target = targetOf(version);
  const started = performance.now();
  const { connectMs, responseMs } = route.config.timeouts;
  const canReplay = replayable(req);
  const headers = upstreamRequestHeaders(req, {
    upstreamHost: target.host,
    preserveHost: route.config.preserveHost,
    trustForwarded: deps.trustForwarded === true,
  });
  const transport = target.protocol === 'https:' ? https : http;
  let done = false;
  let upstream: http.ClientRequest;
  let connectTimer: NodeJS.Timeout | undefined;
  let responseTimer: NodeJS.Timeout | undefined;

  const finish = (status: number) => {
    if (done) return;
    done = true;
    clearTimeout(responseTimer);
    clearTimeout(connectTimer);
    const result = { status, seconds: (performance.now() - started) / 1000 };
    deps.metrics.record(route.name, version.name, result, deps.now());
    onDone?.(result);
  };

  const fail = (error: SluiceError) => {
    if (done) return;
    upstream.destroy();
    req.unpipe(upstream);
    req.resume();
    if (!res.headersSent) {
      sendProblem(res, error, { 'sluice-version': version.name });
      finish(error.status);
    } else {
      res.destroy();
      finish(0);
    }
  };

  const respond = (upRes: IncomingMessage) => {
    clearTimeout(responseTimer);
    clearTimeout(connectTimer);
    if (done) {
      upRes.resume();
      return;
    }
    const status = upRes.statusCode ?? 502;
    const out = clientResponseHeaders(upRes);
    out['sluice-version'] = version.name;
    if (selection.setCookie) {
      const prior = out['set-cookie'];
      const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
      out['set-cookie'] = [...list, selection.setCookie];
    }
    res.writeHead(status, out);
    upRes.pipe(res);
    upRes.on('error', () => fail(UpstreamUnavailable('upstream response cut off')));
    upRes.on('close', () => {
      if (!upRes.complete) fail(UpstreamUnavailable('upstream response cut off'));
    });
    res.on('finish', () => finish(status));
  };

  const send = (retried: boolean) => {
    const attempt = transport.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: upstreamPath(route, version, path),
      headers,
      agent: deps.agents.get(version.poolKey, version.tls),
    });
    upstream = attempt;
    attempt.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => fail(UpstreamTimeout(`could not connect to version ${version.name} in ${connectMs} ms`)),
        connectMs,
      );
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    // The response clock starts once the request is sent: a slow upload is not the upstream's.
    attempt.on('finish', () => {
      if (done || upstream !== attempt) return;
      responseTimer = setTimeout(
        () =>
          fail(
            UpstreamTimeout(
              `version ${version.name} of route ${route.name} sent no response in ${responseMs} ms`,
            ),
          ),
        responseMs,
      );
    });
    attempt.on('error', (err: NodeJS.ErrnoException) => {
      if (upstream !== attempt || done) return;
      if (canReplay && !retried && attempt.reusedSocket && err.code === 'ECONNRESET') {
        clearTimeout(responseTimer);
        send(true);
        return;
      }
      fail(UpstreamUnavailable(`version ${version.name} of route ${route.name}: ${err.code ?? err.message}`));
    });
    attempt.on('response', respond);
    if (canReplay) attempt.end();
    else req.pipe(attempt);
  };

  res.on('close', () => {
    if (done) return;
    if (!res.writableFinished) {
      // The client left: stop the upstream work on its behalf.
      upstream.destroy();
      finish(CLIENT_CLOSED);
    }
  });

  send(false);
  // A bodiless request is not piped; its (empty) stream is drained so it can end.
  if (canReplay) req.resume();
}
