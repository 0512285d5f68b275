/**
 * The open `GET /api/v1/sdk/stream` connections, grouped by environment. A flag-set change is
 * serialised once and written to every stream of its environment (no database read per client);
 * a heartbeat comment keeps idle connections open and re-checks each token, so a revoked token's
 * streams end within one heartbeat.
 */
import type { ServerResponse } from 'node:http';
import { defineError } from '@sluice/core';
import type { EnvironmentFlags, FlagSetCache } from '../flag-sets.js';
import { syncChangeFrame, syncFrame } from './payload.js';

export const SdkStreamsExhausted = defineError('SDK_STREAMS_EXHAUSTED', 429, 'Too many open SDK streams');

export interface SyncStreamLimits {
  /** Open SDK streams one token may hold (one SDK token serves every instance of a service). */
  perToken: number;
  /** Open SDK streams in this process. */
  total: number;
  heartbeatMs: number;
}

export const DEFAULT_SYNC_LIMITS: SyncStreamLimits = { perToken: 5_000, total: 20_000, heartbeatMs: 15_000 };

interface Stream {
  res: ServerResponse;
  /** Still valid? Checked on each heartbeat. */
  alive: () => Promise<boolean>;
}

export class SyncStreams {
  private readonly byEnvironment = new Map<string, Set<Stream>>();
  /** The set each environment's streams hold now (they all got it): the base of the next delta. */
  private readonly last = new Map<string, EnvironmentFlags>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private count = 0;
  private readonly perToken = new Map<string, number>();

  constructor(
    flagSets: Pick<FlagSetCache, 'onChange'>,
    readonly limits: SyncStreamLimits = DEFAULT_SYNC_LIMITS,
  ) {
    this.unsubscribe = flagSets.onChange((flags) => this.publish(flags));
    this.heartbeat = setInterval(() => void this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.count;
  }

  /** Streams a token holds now. */
  heldBy(tokenKey: string): number {
    return this.perToken.get(tokenKey) ?? 0;
  }

  /** Throws SDK_STREAMS_EXHAUSTED when the token, or the process, holds its limit of streams. */
  admit(tokenKey: string): void {
    const held = this.heldBy(tokenKey);
    if (held >= this.limits.perToken)
      throw SdkStreamsExhausted(
        `this token already holds ${held} SDK streams (at most ${this.limits.perToken}, SLUICE_QUOTA_SDK_STREAMS_PER_TOKEN); close one first or give other services their own token`,
      );
    if (this.count >= this.limits.total)
      throw SdkStreamsExhausted(`the server holds ${this.count} SDK streams, its limit; retry later`);
  }

  /** Takes over a response: headers, the full set, then every change until either side closes. */
  open(
    res: ServerResponse,
    flags: EnvironmentFlags,
    headers: Record<string, string>,
    alive: Stream['alive'],
    tokenKey: string,
  ) {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 1000\n: connected\n\n${syncFrame(flags)}`);
    // deltas go from the set the environment's streams hold: a stream opened on an older set gets
    // the newest now; one opened on a newer set gets the coming delta too and ignores it (its version)
    const held = this.last.get(flags.environment);
    if (!held) this.last.set(flags.environment, flags);
    else if (held.generation > flags.generation) res.write(syncFrame(held));
    const stream: Stream = { res, alive };
    let set = this.byEnvironment.get(flags.environment);
    if (!set) {
      set = new Set();
      this.byEnvironment.set(flags.environment, set);
    }
    set.add(stream);
    this.count++;
    this.perToken.set(tokenKey, this.heldBy(tokenKey) + 1);
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      this.count--;
      const left = this.heldBy(tokenKey) - 1;
      if (left > 0) this.perToken.set(tokenKey, left);
      else this.perToken.delete(tokenKey);
      set.delete(stream);
      if (set.size === 0 && this.byEnvironment.get(flags.environment) === set)
        this.byEnvironment.delete(flags.environment);
    };
    res.on('close', remove);
    res.on('error', remove);
  }

  /** Ends every stream (shutdown): SDKs keep serving their last set and reconnect. */
  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const set of this.byEnvironment.values()) for (const s of set) s.res.end();
    this.byEnvironment.clear();
    this.perToken.clear();
  }

  private publish(flags: EnvironmentFlags): void {
    // the cache also rebuilds without a change (polling, bursts): only a new digest is news
    const before = this.last.get(flags.environment);
    if (before?.digest === flags.digest) return;
    if (before && flags.generation < before.generation) return;
    const set = this.byEnvironment.get(flags.environment);
    if (!set?.size) {
      this.last.delete(flags.environment);
      return;
    }
    this.last.set(flags.environment, flags);
    // every stream of the environment holds `before` (streams opened since got it or newer)
    const frame = before ? syncChangeFrame(before, flags) : syncFrame(flags);
    for (const s of set) s.res.write(frame);
  }

  private async beat(): Promise<void> {
    for (const set of [...this.byEnvironment.values()]) {
      for (const s of [...set]) {
        const alive = await s.alive().catch(() => false);
        if (alive) s.res.write(': heartbeat\n\n');
        else s.res.end('event: closed\ndata: {"reason":"the token is no longer valid"}\n\n');
      }
    }
  }
}
