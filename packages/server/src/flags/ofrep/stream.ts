/**
 * OFREP's change-notification stream (ofrep-event-streams.yaml, ADR-0008) as Server-Sent
 * Events: each connection watches one environment and receives
 * `data: {"type":"refetchEvaluation","etag":…,"lastModified":…}` when the environment's flag set
 * digest changes. Events say *that* something changed, never what: providers re-fetch.
 */
import type { ServerResponse } from 'node:http';
import type { EnvironmentFlags, FlagSetCache } from '../flag-sets.js';
import { CORS_HEADERS } from './cors.js';
import type { SseEventData } from './ofrep.schema.js';

/** Comment lines keep proxies from closing quiet connections. */
const HEARTBEAT_MS = 25_000;
/** Suggested reconnection delay, sent once per connection. */
const RETRY_MS = 3_000;

/** Streams one token may hold and streams in all (config `quotas`; SECURITY.md). */
export interface StreamLimits {
  perToken: number;
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perToken: 2_000, total: 20_000 };

export class ChangeStreams {
  private readonly clients = new Map<string, Set<ServerResponse>>();
  private readonly perToken = new Map<string, number>();
  private count = 0;
  private readonly lastDigest = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    flagSets: FlagSetCache,
    readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {
    this.unsubscribe = flagSets.onChange((flags) => this.publish(flags));
    this.heartbeat = setInterval(() => this.broadcast(': keepalive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.count;
  }

  /**
   * Why a stream for this token may not open now, or null: the token's quota is spent (429),
   * or the process holds all it may (503: the server is overloaded, RFC 9110 §15.6.4).
   */
  refusal(tokenKey: string): { status: 429 | 503; detail: string } | null {
    const held = this.perToken.get(tokenKey) ?? 0;
    if (held >= this.limits.perToken)
      return {
        status: 429,
        detail: `this token already holds ${held} change streams (at most ${this.limits.perToken}); close one first`,
      };
    if (this.count >= this.limits.total)
      return { status: 503, detail: `the server holds ${this.count} change streams, its limit; retry later` };
    return null;
  }

  /** Takes over a raw response: headers, the retry hint, then events until either side closes. */
  open(
    res: ServerResponse,
    tokenKey: string,
    flags: EnvironmentFlags,
    extraHeaders: Record<string, string>,
    lastEventId?: string,
  ): void {
    res.writeHead(200, {
      ...CORS_HEADERS,
      ...extraHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // the current digest as the last event id lets a client tell it is up to date
    res.write(`retry: ${RETRY_MS}\nid: ${flags.digest}\n: connected\n\n`);
    // a reconnecting client that last saw another digest missed a change: tell it at once
    if (lastEventId && lastEventId !== flags.digest) res.write(frameOf(flags));
    if (!this.lastDigest.has(flags.environment)) this.lastDigest.set(flags.environment, flags.digest);
    let set = this.clients.get(flags.environment);
    if (!set) {
      set = new Set();
      this.clients.set(flags.environment, set);
    }
    set.add(res);
    this.count++;
    this.perToken.set(tokenKey, (this.perToken.get(tokenKey) ?? 0) + 1);
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      this.count--;
      const left = (this.perToken.get(tokenKey) ?? 1) - 1;
      if (left > 0) this.perToken.set(tokenKey, left);
      else this.perToken.delete(tokenKey);
      set.delete(res);
      if (set.size === 0 && this.clients.get(flags.environment) === set)
        this.clients.delete(flags.environment);
    };
    res.on('close', remove);
    res.on('error', remove);
  }

  /** Ends every stream (server shutdown): clients reconnect elsewhere. */
  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const set of this.clients.values()) for (const res of set) res.end();
    this.clients.clear();
    this.perToken.clear();
    this.count = 0;
  }

  private publish(flags: EnvironmentFlags): void {
    // rebuilds also happen without a change (polling, repeated invalidation): only real changes count
    if (this.lastDigest.get(flags.environment) === flags.digest) return;
    this.lastDigest.set(flags.environment, flags.digest);
    const set = this.clients.get(flags.environment);
    if (!set?.size) return;
    const frame = frameOf(flags);
    for (const res of set) res.write(frame);
  }

  private broadcast(frame: string): void {
    for (const set of this.clients.values()) for (const res of set) res.write(frame);
  }
}

function frameOf(flags: EnvironmentFlags): string {
  const data: SseEventData = {
    type: 'refetchEvaluation',
    etag: flags.digest,
    lastModified: Math.floor(Date.parse(flags.builtAt) / 1000),
  };
  return `id: ${flags.digest}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`;
}
