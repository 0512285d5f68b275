import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SluiceError } from '@sluice/core/errors';
import type { Dispatcher } from 'undici';
import type { CompiledRoute } from '../table/index.js';
import type { RouterMetrics } from '../telemetry/index.js';
import type { AgentPool } from './agents.js';
import { addDeadline, cancelDeadline, type Deadline, type Expiring } from './deadlines.js';
import { sendProblem, UpstreamTimeout, UpstreamUnavailable } from './errors.js';
import { clientResponseHeaders, upstreamRequestHeaderList } from './headers.js';
import type { Selection } from './select.js';
import { upstreamPath } from './target.js';

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

/** The connection went away under a request that was written: the keep-alive race. */
const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * One request's trip to the selected version and back, driven by undici's dispatch callbacks
 * (its handler interface with raw header buffers: no response stream or header object is
 * built, which is where node:http's client spent its time). Every request ends in exactly one
 * recorded outcome: the upstream's status, a 502/504 problem document of ours, 0 for a
 * response cut off mid-body, or 499 when the client went away first.
 */
class Exchange implements Dispatcher.DispatchHandler, Expiring {
  private readonly started = performance.now();
  private readonly canReplay: boolean;
  private readonly request: Dispatcher.DispatchOptions;
  private abortUpstream: ((err?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  /** The response deadline while it runs (deadlines.ts). */
  private deadline: Deadline | undefined;
  /** The final response head was received (the request can no longer be replayed). */
  private responding = false;
  private status = 0;
  private done = false;
  private retried = false;

  constructor(
    private readonly deps: ForwardDeps,
    private readonly route: CompiledRoute,
    private readonly selection: Selection,
    path: string,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly onDone: ((result: ForwardResult) => void) | undefined,
  ) {
    const { version } = selection;
    this.canReplay = replayable(req);
    const headers = upstreamRequestHeaderList(req, {
      upstreamHost: version.url.host,
      preserveHost: route.config.preserveHost,
      trustForwarded: deps.trustForwarded === true,
    });
    this.request = {
      path: upstreamPath(route, version, path),
      method: req.method ?? 'GET',
      headers,
      // A bodiless request is not streamed; its (empty) stream is drained so it can end.
      body: this.canReplay ? null : req,
    };
  }

  start(): void {
    this.res.on('close', () => this.onClientClose());
    this.dispatch();
    if (this.canReplay) this.req.resume();
  }

  private dispatch(): void {
    const { version } = this.selection;
    this.deps.agents.get(version, this.route.config.timeouts.connectMs).dispatch(this.request, this);
  }

  /** The response went out whole (record it), or the client left first (stop the upstream work). */
  private onClientClose(): void {
    if (this.done) return;
    if (this.res.writableFinished) {
      this.finish(this.status);
      return;
    }
    this.finish(CLIENT_CLOSED);
    this.abortUpstream?.();
  }

  // --- undici's handler callbacks -------------------------------------------------------------

  /** The request is about to be written on a connection. */
  onConnect(abort: (err?: Error) => void): void {
    if (this.done) {
      abort();
      return;
    }
    this.abortUpstream = abort;
    // The response clock starts once the request is sent: a slow upload is not the upstream's.
    if (this.canReplay || this.req.complete) this.startResponseClock();
    else this.req.once('end', () => this.startResponseClock());
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200 || this.done) return !this.done; // 1xx stay between router and upstream
    this.stopResponseClock();
    this.responding = true;
    this.status = status;
    this.resumeUpstream = resume;
    const out = clientResponseHeaders(rawHeaders);
    out.push('sluice-version', this.selection.version.name);
    if (this.selection.setCookie) out.push('set-cookie', this.selection.setCookie);
    this.res.writeHead(status, out);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    if (this.res.write(chunk)) return true;
    // Back-pressure: undici stops reading the upstream until the client drains.
    this.res.once('drain', this.resumeUpstream ?? (() => {}));
    return false;
  }

  onComplete(): void {
    if (!this.done) this.res.end();
  }

  onError(err: Error): void {
    this.stopResponseClock();
    if (this.done) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // A written bodiless idempotent request whose connection closed before any response byte:
    // the upstream closed that idle keep-alive connection as the request went out, so it never
    // reached it. It is sent once more (on another or a fresh connection).
    if (
      this.canReplay &&
      !this.retried &&
      !this.responding &&
      this.abortUpstream !== undefined &&
      CONNECTION_LOST.has(code)
    ) {
      this.retried = true;
      this.abortUpstream = undefined;
      // After undici has finished with the lost connection, so its pool slot is free again.
      queueMicrotask(() => {
        if (!this.done) this.dispatch();
      });
      return;
    }
    const { version } = this.selection;
    const { connectMs } = this.route.config.timeouts;
    this.fail(
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? UpstreamTimeout(`could not connect to version ${version.name} in ${connectMs} ms`)
        : UpstreamUnavailable(`version ${version.name} of route ${this.route.name}: ${code || err.message}`),
    );
  }

  // --- outcomes ------------------------------------------------------------------------------

  private startResponseClock(): void {
    if (this.done || this.responding || this.deadline !== undefined) return;
    this.deadline = addDeadline(this.route.config.timeouts.responseMs, this);
  }

  private stopResponseClock(): void {
    if (this.deadline === undefined) return;
    cancelDeadline(this.deadline);
    this.deadline = undefined;
  }

  /** The response deadline passed with no response head. */
  expire(): void {
    this.deadline = undefined;
    const { responseMs } = this.route.config.timeouts;
    const error = UpstreamTimeout(
      `version ${this.selection.version.name} of route ${this.route.name} sent no response in ${responseMs} ms`,
    );
    this.fail(error);
    this.abortUpstream?.(error);
  }

  private fail(error: SluiceError): void {
    if (this.done) return;
    // An unread request body is drained, so the client's connection can carry its next request.
    if (!this.req.destroyed) this.req.resume();
    if (!this.res.headersSent) {
      sendProblem(this.res, error, { 'sluice-version': this.selection.version.name });
      this.finish(error.status);
    } else {
      this.res.destroy();
      this.finish(0);
    }
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.stopResponseClock();
    const result = { status, seconds: (performance.now() - this.started) / 1000 };
    this.deps.metrics.record(this.route.name, this.selection.version.name, result, this.deps.now());
    this.onDone?.(result);
  }
}

/**
 * Sends one request to the selected version and streams the answer back (see Exchange).
 *
 * A bodiless idempotent request that fails on a keep-alive connection after it was written and
 * before any response byte is sent once more: the upstream closed that idle connection as the
 * request went out (the keep-alive race), so the request never reached it.
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
  new Exchange(deps, route, selection, path, req, res, onDone).start();
}
