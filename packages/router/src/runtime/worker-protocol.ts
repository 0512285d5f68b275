/**
 * Messages between a router's primary process and its worker processes (`workers` > 1), over
 * node's IPC channel. The primary owns the configuration, health checks and metrics; workers
 * only proxy, and send back what they recorded.
 */
import type { RouterSnapshot } from '../config/index.js';
import type { ServerLimits } from './serve.js';

export interface WorkerSettings {
  limits: ServerLimits;
  upstreamIdleMs?: number | undefined;
  maxMirrorsInFlight: number;
  trustForwarded: boolean;
}

/** `route\0version` of every version the primary's health checks found unhealthy. */
export type UnhealthyKeys = string[];

export type ToWorker =
  | { type: 'init'; settings: WorkerSettings; snapshot: RouterSnapshot | null; unhealthy: UnhealthyKeys }
  | { type: 'config'; seq: number; snapshot: RouterSnapshot }
  | { type: 'health'; unhealthy: UnhealthyKeys }
  /** Comes with a client connection's socket as the handle. */
  | { type: 'connection' }
  | { type: 'close'; graceMs: number };

/**
 * Outcomes a worker recorded since its last batch. `series`: route, version and, per request,
 * four numbers: status, seconds, wall-clock ms, 1 when a shadow copy else 0.
 */
export interface OutcomeBatch {
  type: 'outcomes';
  series: [route: string, version: string, numbers: number[]][];
  /** route, primary, shadow, primaryStatus, shadowStatus, primarySeconds, shadowSeconds, at (or -1). */
  mirrors: [string, string, string, number, number, number, number, number][];
  skips: [route: string, primary: string, shadow: string][];
}

export type FromWorker = { type: 'ready' } | { type: 'applied'; seq: number } | OutcomeBatch;

export const seriesKey = (route: string, version: string) => `${route}\u0000${version}`;
