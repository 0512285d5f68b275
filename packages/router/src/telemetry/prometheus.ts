import { type Metric, Registry } from 'prom-client';
import { PROM_BUCKETS, type RouterMetrics } from './registry.js';

/** A gauge family the runtime adds (config version, weights, upstream health). */
export interface GaugeFamily {
  name: string;
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * One family, read when scraped. The router keeps its own counts (its hot path records into
 * plain arrays); prom-client, the exposition the server uses too, only writes them out.
 */
function family(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: Sample[]) {
  return {
    name,
    get: async () => ({ name, help, type, values, aggregator: 'sum' as const }),
  } as unknown as Metric;
}

/** The router's figures in the Prometheus text format (0.0.4), written by prom-client. */
export function renderPrometheus(metrics: RouterMetrics, gauges: GaugeFamily[] = []): Promise<string> {
  const registry = new Registry();
  const totals = metrics.totals();
  const perSeries = (value: (t: (typeof totals)[number]) => number): Sample[] =>
    totals.map((t) => ({ labels: { route: t.route, version: t.version }, value: value(t) }));
  const add = (...args: Parameters<typeof family>) => registry.registerMetric(family(...args));

  add(
    'sluice_router_requests_total',
    'Requests answered per route and version.',
    'counter',
    perSeries((t) => t.requests),
  );
  add(
    'sluice_router_errors_total',
    'Requests per route and version that got a 5xx or no response.',
    'counter',
    perSeries((t) => t.errors),
  );
  add(
    'sluice_router_shadow_requests_total',
    'Mirrored copies served per route and version.',
    'counter',
    perSeries((t) => t.shadowRequests),
  );
  const duration = 'sluice_router_request_duration_seconds';
  add(
    duration,
    'Upstream request latency.',
    'histogram',
    totals.flatMap((t) => {
      const labels = { route: t.route, version: t.version };
      return [
        ...[...PROM_BUCKETS, '+Inf' as const].map((le, i) => ({
          metricName: `${duration}_bucket`,
          labels: { ...labels, le },
          value: t.buckets[i] ?? 0,
        })),
        { metricName: `${duration}_sum`, labels, value: t.latencySum },
        { metricName: `${duration}_count`, labels, value: t.requests },
      ];
    }),
  );

  const mirrors = metrics.mirrorTotals();
  const perMirror = (value: (m: (typeof mirrors)[number]) => number): Sample[] =>
    mirrors.map((m) => ({
      labels: { route: m.route, primary: m.primary, shadow: m.shadow },
      value: value(m),
    }));
  add(
    'sluice_router_mirror_compared_total',
    'Shadow responses compared with their primary.',
    'counter',
    perMirror((m) => m.compared),
  );
  add(
    'sluice_router_mirror_status_mismatch_total',
    'Shadow responses whose status differed.',
    'counter',
    perMirror((m) => m.statusMismatches),
  );
  add(
    'sluice_router_mirror_skipped_total',
    'Requests that were due a mirror but were not copied.',
    'counter',
    perMirror((m) => m.skipped),
  );

  for (const g of gauges) add(g.name, g.help, 'gauge', g.samples);
  return registry.metrics();
}
