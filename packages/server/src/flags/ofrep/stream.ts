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

export class ChangeStreams {
  private readonly clients = new Map<string, Set<ServerResponse>>();
  private readonly lastDigest = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    flagSets: FlagSetCache,
    readonly maxConnections = 10_000,
  ) {
    this.unsubscribe = flagSets.onChange((flags) => this.publish(flags));
    this.heartbeat = setInterval(() => this.broadcast(': keepalive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    let n = 0;
    for (const set of this.clients.values()) n += set.size;
    return n;
  }

  /** Takes over a raw response: headers, the retry hint, then events until either side closes. */
  open(
    res: ServerResponse,
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
    const remove = () => {
      set.delete(res);
      if (set.size === 0) this.clients.delete(flags.environment);
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
