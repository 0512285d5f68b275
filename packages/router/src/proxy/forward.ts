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

/**
 * Sends one request to the selected version and streams the answer back. Every request ends
 * in exactly one recorded outcome: the upstream's status, a 502/504 problem document of ours,
 * 0 for a response cut off mid-body, or 499 when the client went away first.
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
  let done = false;
  let connectTimer: NodeJS.Timeout | undefined;

  const finish = (status: number) => {
    if (done) return;
    done = true;
    clearTimeout(responseTimer);
    clearTimeout(connectTimer);
    const result = { status, seconds: (performance.now() - started) / 1000 };
    deps.metrics.record(route.name, version.name, result, deps.now());
    onDone?.(result);
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
    }),
    agent: deps.agents.get(version.origin),
  });

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

  const responseTimer = setTimeout(
    () =>
      fail(
        UpstreamTimeout(
          `version ${version.name} of route ${route.name} sent no response in ${responseMs} ms`,
        ),
      ),
    responseMs,
  );
  upstream.on('socket', (socket) => {
    if (!socket.connecting) return;
    connectTimer = setTimeout(
      () => fail(UpstreamTimeout(`could not connect to version ${version.name} in ${connectMs} ms`)),
      connectMs,
    );
    socket.once('connect', () => clearTimeout(connectTimer));
  });

  upstream.on('error', (err: NodeJS.ErrnoException) => {
    fail(UpstreamUnavailable(`version ${version.name} of route ${route.name}: ${err.code ?? err.message}`));
  });

  upstream.on('response', (upRes) => {
    clearTimeout(responseTimer);
    clearTimeout(connectTimer);
    if (done) {
      upRes.resume();
      return;
    }
    const status = upRes.statusCode ?? 502;
    const headers = clientResponseHeaders(upRes);
    headers['sluice-version'] = version.name;
    if (selection.setCookie) {
      const prior = headers['set-cookie'];
      const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
      headers['set-cookie'] = [...list, selection.setCookie];
    }
    res.writeHead(status, headers);
    upRes.pipe(res);
    upRes.on('error', () => fail(UpstreamUnavailable('upstream response cut off')));
    upRes.on('close', () => {
      if (!upRes.complete) fail(UpstreamUnavailable('upstream response cut off'));
    });
    res.on('finish', () => finish(status));
  });

  res.on('close', () => {
    if (done) return;
    if (!res.writableFinished) {
      // The client left: stop the upstream work on its behalf.
      upstream.destroy();
      finish(CLIENT_CLOSED);
    }
  });

  req.pipe(upstream);
}
