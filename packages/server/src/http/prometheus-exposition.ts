import { collectDefaultMetrics, Registry } from 'prom-client';
import { RequestDurations } from './request-durations.js';

/**
 * The Prometheus exposition of the server's own figures (`GET /metrics`): the process defaults
 * and the request-duration histogram. A registry per server, so several servers in one process
 * (tests) keep separate figures. Not to be confused with the routers' per-version figures
 * (router `telemetry/`) or the metric gates' providers (`analysis/`).
 */
export function createPrometheusExposition(): {
  registry: Registry;
  httpDuration: RequestDurations;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new RequestDurations().registerIn(registry);
  return { registry, httpDuration };
}
