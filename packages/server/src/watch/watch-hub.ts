/**
 * The open `/api/v1/watch` streams. Each stream sees only the environments its token may read
 * (and, if it asked, only some of them); cluster-wide resources only reach tokens not limited
 * to an environment. Streams per token and in all are capped; a heartbeat comment keeps quiet
 * connections open and re-checks the token, so a revoked or expired one stops receiving.
 */
import type { ServerResponse } from 'node:http';
import { defineError } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import type { WatchEventName } from './watch.schema.js';

export const WatchStreamsExhausted = defineError(
  'WATCH_STREAMS_EXHAUSTED',
  429,
  'Too many open watch streams',
);

export interface WatchLimits {
  /** Open streams one token may hold (tabs, reloads). */
  perToken: number;
  /** Open streams in this process. */
  total: number;
  heartbeatMs: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { perToken: 8, total: 2_000, heartbeatMs: 15_000 };

interface Stream {
  res: ServerResponse;
  tokenKey: string;
  scopes: readonly string[];
  /** null: every environment the scopes allow. */
  environments: Set<string> | null;
  /** Still valid? Checked on each heartbeat. */
  alive: () => Promise<boolean>;
}

export class WatchHub {
  private readonly streams = new Set<Stream>();
  private readonly perToken = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private seq = 0;

  constructor(readonly limits: WatchLimits = DEFAULT_WATCH_LIMITS) {
    this.heartbeat = setInterval(() => void this.beat(), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.streams.size;
  }

  /** Throws WATCH_STREAMS_EXHAUSTED when the token or the process has too many streams open. */
  admit(tokenKey: string): void {
    const held = this.perToken.get(tokenKey) ?? 0;
    if (held >= this.limits.perToken) {
      throw WatchStreamsExhausted(
        `this token already holds ${held} watch streams (at most ${this.limits.perToken}); close one first`,
      );
    }
    if (this.streams.size >= this.limits.total) {
      throw WatchStreamsExhausted(
        `the server holds ${this.streams.size} watch streams, its limit; retry later`,
      );
    }
  }

  /** Takes over a response (after `admit`) until either side closes it. */
  open(stream: Stream): void {
    const { res } = stream;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    this.streams.add(stream);
    this.perToken.set(stream.tokenKey, (this.perToken.get(stream.tokenKey) ?? 0) + 1);
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      this.streams.delete(stream);
      const left = (this.perToken.get(stream.tokenKey) ?? 1) - 1;
      if (left > 0) this.perToken.set(stream.tokenKey, left);
      else this.perToken.delete(stream.tokenKey);
    };
    res.on('close', remove);
    res.on('error', remove);
  }

  /** Sends an event to every stream allowed to see `environment` (null: cluster-wide). */
  publish(event: WatchEventName, environment: string | null, data: unknown): void {
    if (!this.streams.size) return;
    const frame = `id: ${++this.seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of this.streams) {
      if (environment !== null && s.environments && !s.environments.has(environment)) continue;
      if (!scopesGrant(s.scopes, 'read', environment)) continue;
      s.res.write(frame);
    }
  }

  /** Ends every stream (shutdown): clients reconnect. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.streams) s.res.end();
    this.streams.clear();
    this.perToken.clear();
  }

  private async beat(): Promise<void> {
    for (const s of [...this.streams]) {
      const alive = await s.alive().catch(() => false);
      if (alive) s.res.write(': heartbeat\n\n');
      else s.res.end('event: closed\ndata: {"reason":"the token is no longer valid"}\n\n');
    }
  }
}
