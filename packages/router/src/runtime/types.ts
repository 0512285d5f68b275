import type { EventEmitter } from 'node:events';
import type { HealthEvent, HealthState } from '../health/index.js';
import type { RoutingTable } from '../table/index.js';
import type { RouterMetrics } from '../telemetry/index.js';

export interface ListenOptions {
  port: number;
  /** Defaults to 127.0.0.1; use 0.0.0.0 to serve other machines. */
  host?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface RouterOptions {
  listen: ListenOptions;
  /** Admin endpoints (/status, /metrics, /versions, /healthz) on their own port. */
  adminListen?: ListenOptions;
  /** Where the last applied snapshot is kept; without it nothing survives a restart. */
  stateDir?: string;
  /** Wall clock in ms (metric windows, events); defaults to Date.now. */
  now?: () => number;
  metricsRetentionMs?: number;
  /** Request header limit in bytes (node's parser); larger headers get 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Slow clients (slowloris): all request headers must arrive within this. Default 60 s → 408. */
  headersTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this. Default 300 s → 408. */
  requestTimeoutMs?: number;
  maxMirrorsInFlight?: number;
  /** Idle keep-alive connections to upstreams close after this long (default 4 s). */
  upstreamIdleMs?: number;
  /**
   * Keep the X-Forwarded-Proto/Host a client sends. Only for a router behind a proxy you trust
   * (a TLS-terminating load balancer); otherwise the router sets them. X-Forwarded-For is always
   * appended to.
   */
  trustForwardedHeaders?: boolean;
  /** How long close() lets in-flight requests finish before cutting them. */
  closeGraceMs?: number;
  onHealthChange?: (event: HealthEvent) => void;
  log?: Logger;
  /**
   * Worker processes that proxy (1–64, default 1: this process proxies). With more, this
   * process accepts connections and hands them to the workers in turn, and keeps the
   * configuration, health checks and metrics (the workers' figures summed).
   */
  workers?: number;
}

export interface ApplyResult {
  applied: boolean;
  version: number;
  /** Why a valid snapshot was not applied. */
  reason?: 'stale';
}

export interface VersionStatus {
  name: string;
  url: string;
  weight: number;
  effectiveWeight: number;
  healthy: boolean;
}

export interface RouteStatus {
  name: string;
  host: string | null;
  pathPrefix: string;
  versions: VersionStatus[];
  mirror: { version: string; percent: number } | null;
  sticky: boolean;
}

export interface RouterStatus {
  configVersion: number;
  appliedAt: number | null;
  /** Where the snapshot in use came from. */
  source: 'none' | 'disk' | 'applied';
  listen: { host: string; port: number } | null;
  admin: { host: string; port: number } | null;
  routes: RouteStatus[];
  health: HealthState[];
  recentHealthEvents: HealthEvent[];
  persistError: string | null;
  /** The worker processes (only when `workers` > 1). */
  workers?: { pid: number; connections: number; requests: number }[];
  /** Filled in by the standalone runner. */
  controlPlane?: { connected: boolean; lastSnapshotAt: number | null; lastError: string | null };
}

export interface Router {
  /** Validates, compiles and swaps in a snapshot, then persists it. Throws RouterConfigInvalid. */
  applyConfig(snapshot: unknown, options?: { force?: boolean }): Promise<ApplyResult>;
  readonly metrics: RouterMetrics;
  /** Emits 'health' (HealthEvent) and 'config' ({version}). */
  readonly events: EventEmitter;
  table(): RoutingTable;
  status(): RouterStatus;
  /** The Prometheus text of /metrics. */
  prometheus(): Promise<string>;
  close(): Promise<void>;
}
