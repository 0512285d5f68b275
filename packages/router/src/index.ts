/**
 * @sluice/router — the Sluice data plane: a weighted HTTP/1.1 reverse proxy with match rules,
 * sticky sessions, mirroring, health checks and per-version RED metrics.
 */
export * from './config/index.js';
export type { HealthEvent, HealthState } from './health/index.js';
export * from './runtime/index.js';
export {
  CountsFeed,
  RouterMetrics,
  renderPrometheus,
  type VersionCounts,
  type WindowStats,
} from './telemetry/index.js';
