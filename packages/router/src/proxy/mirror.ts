import type { IncomingMessage } from 'node:http';
import type { CompiledRoute } from '../table/index.js';
import type { RouterMetrics } from '../telemetry/index.js';
import type { AgentPool } from './agents.js';
import type { ForwardResult } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { targetOf, upstreamPath } from './target.js';

export interface MirrorDeps {
  agents: AgentPool;
  metrics: RouterMetrics;
  now: () => number;
  /** Shadow requests allowed in flight at once; beyond it mirrors are skipped (and counted). */
  maxInFlight: number;
  trustForwarded?: boolean;
}

/** Tells the mirror how the primary answered, so the two can be compared. */
export type PrimaryDone = (result: ForwardResult) => void;

/**
 * Shadow traffic: a copy of the request goes to the mirror version once the client's body has
 * been read (it is buffered up to the route's limit). The shadow's answer is drained and
 * discarded; its status and latency are recorded under its version and compared with the
 * primary's. Nothing the shadow does can delay or change the client's response.
 */
export class Mirror {
  private inFlight = 0;
  constructor(private readonly deps: MirrorDeps) {}

  get active(): number {
    return this.inFlight;
  }

  begin(route: CompiledRoute, primary: string, path: string, req: IncomingMessage): PrimaryDone | undefined {
    const config = route.config.mirror;
    const shadow = config ? route.versions.get(config.version) : undefined;
    if (!config || !shadow) return undefined;
    const { metrics } = this.deps;
    if (this.inFlight >= this.deps.maxInFlight) {
      metrics.skipMirror(route.name, primary, shadow.name);
      return undefined;
    }
    this.inFlight++;
    let primaryResult: ForwardResult | undefined;
    let shadowResult: ForwardResult | undefined;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.inFlight--;
    };
    const compare = () => {
      if (!primaryResult || !shadowResult) return;
      metrics.compareMirror(
        route.name,
        primary,
        shadow.name,
        {
          primaryStatus: primaryResult.status,
          shadowStatus: shadowResult.status,
          primarySeconds: primaryResult.seconds,
          shadowSeconds: shadowResult.seconds,
        },
        this.deps.now(),
      );
    };

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > config.maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('close', () => {
      // The request ended without a complete body (client aborted): nothing to replay.
      if (!req.complete && !settled) {
        metrics.skipMirror(route.name, primary, shadow.name);
        settle();
      }
    });
    req.on('end', () => {
      if (tooLarge) {
        metrics.skipMirror(route.name, primary, shadow.name);
        settle();
        return;
      }
      const body = Buffer.concat(chunks);
      this.send(route, shadow.name, path, req, body, (result) => {
        shadowResult = result;
        settle();
        compare();
      });
    });
    return (result) => {
      primaryResult = result;
      compare();
    };
  }

  private send(
    route: CompiledRoute,
    versionName: string,
    path: string,
    req: IncomingMessage,
    body: Buffer,
    onDone: (result: ForwardResult) => void,
  ): void {
    const version = route.versions.get(versionName);
    if (!version) return;
    const target = targetOf(version);
    const started = performance.now();
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const result = { status, seconds: (performance.now() - started) / 1000 };
      this.deps.metrics.record(route.name, version.name, { ...result, shadow: true }, this.deps.now());
      onDone(result);
    };
    const headers = upstreamRequestHeaders(req, {
      upstreamHost: target.host,
      preserveHost: route.config.preserveHost,
      trustForwarded: this.deps.trustForwarded === true,
      frameChunked: false,
    }) as Record<string, string | string[]>;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    headers['sluice-shadow'] = '1';
    let status = 0;
    let abort: ((err?: Error) => void) | undefined;
    const limit = route.config.timeouts.responseMs;
    const timer = setTimeout(() => {
      finish(504);
      abort?.();
    }, limit);
    // The shadow's answer is read and dropped: only its status and timing matter.
    this.deps.agents.get(version, route.config.timeouts.connectMs).dispatch(
      { path: upstreamPath(route, version, path), method: req.method ?? 'GET', headers, body },
      {
        onConnect: (a) => {
          if (done) a();
          else abort = a;
        },
        onHeaders: (code) => {
          if (code >= 200) status = code;
          return true;
        },
        onData: () => true,
        onComplete: () => finish(status),
        onError: () => finish(status === 0 ? 502 : 0),
      },
    );
  }
}
