import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus exposition of the server's own figures (`GET /metrics`): the process defaults
 * and the request-duration histogram. A registry per server, so several servers in one process
 * (tests) keep separate figures. Not to be confused with the routers' per-version figures
 * (router `telemetry/`) or the metric gates' providers (`analysis/`).
 */
export function createPrometheusExposition(): {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'sluice_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpDuration };
}
