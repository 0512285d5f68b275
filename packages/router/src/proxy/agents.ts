import type { Socket } from 'node:net';
import { buildConnector, errors, Pool } from 'undici';
import type { CompiledVersion } from '../table/index.js';

export interface AgentOptions {
  maxSockets?: number;
  /** How long an idle keep-alive connection to an upstream stays open. */
  idleMs?: number;
}

/**
 * Keep-alive connection pools, one per upstream origin (with its TLS settings: `poolKey`) and
 * connect timeout. They are undici pools: its HTTP/1.1 client costs about half the CPU of
 * node:http's per proxied request (bench/traffic/clients.mjs). When a configuration no longer
 * names an origin, its pools are drained: idle connections close now, busy ones close after
 * the request they carry (so in-flight requests finish where they started).
 */
export class AgentPool {
  /** poolKey → connect timeout (ms) → pool. Routes may give one origin different timeouts. */
  private readonly pools = new Map<string, Map<number, Pool>>();
  private readonly options: AgentOptions;

  constructor(options: AgentOptions = {}) {
    this.options = options;
  }

  /** The pool of an upstream version, connecting with the given timeout. */
  get(version: Pick<CompiledVersion, 'poolKey' | 'origin' | 'tls'>, connectMs: number): Pool {
    let byTimeout = this.pools.get(version.poolKey);
    if (!byTimeout) {
      byTimeout = new Map();
      this.pools.set(version.poolKey, byTimeout);
    }
    let pool = byTimeout.get(connectMs);
    if (!pool) {
      // Below node's default server keep-alive timeout (5 s), so the router, not the upstream,
      // usually closes an idle connection (fewer keep-alive races).
      const idleMs = this.options.idleMs ?? 4_000;
      pool = new Pool(version.origin, {
        connections: this.options.maxSockets ?? 256,
        pipelining: 1,
        keepAliveTimeout: idleMs,
        // An upstream's `Keep-Alive: timeout=…` may shorten the idle time, never lengthen it.
        keepAliveMaxTimeout: idleMs,
        // The response timeout is the route's, timed by forward(); bodies have none (as before).
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: timedConnector(connectMs, version.tls),
      });
      byTimeout.set(connectMs, pool);
    }
    return pool;
  }

  /** Keeps the pools of `origins` (pool keys), drains the rest. */
  retain(origins: ReadonlySet<string>): void {
    for (const [key, byTimeout] of this.pools) {
      if (origins.has(key)) continue;
      this.pools.delete(key);
      // close() lets queued and in-flight requests finish, then closes the connections.
      for (const pool of byTimeout.values()) pool.close().catch(() => {});
    }
  }

  origins(): string[] {
    return [...this.pools.keys()];
  }

  close(): void {
    for (const byTimeout of this.pools.values()) {
      for (const pool of byTimeout.values()) pool.destroy().catch(() => {});
    }
    this.pools.clear();
  }
}

/**
 * undici's connector with a connect timeout on node's own timers: undici's fire on a 0.5 s
 * tick, so a 300 ms timeout would take up to a second. The timeout covers the TLS handshake.
 */
function timedConnector(
  connectMs: number,
  tls: CompiledVersion['tls'],
): (options: buildConnector.Options, callback: buildConnector.Callback) => void {
  const connect = buildConnector({ ...tls, timeout: 0 });
  return (options, callback) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const error = new errors.ConnectTimeoutError(
        `Connect Timeout Error (${options.hostname}:${options.port}, timeout: ${connectMs}ms)`,
      );
      socket?.destroy(error);
      callback(error, null);
    }, connectMs);
    // At run time the connector returns the socket it opens (its type says void).
    const socket = connect(options, (...args) => {
      if (settled) {
        args[1]?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(...args);
    }) as unknown as Socket | undefined;
  };
}
