/**
 * Sluice's built-in templates, as the seed defines them: Flagger's names from its
 * `canary-metrics.yaml` (`request-success-rate` %, `request-duration` P99 in seconds — Flagger's
 * own built-in is milliseconds —, `error-rate` %) and the seed plan's (`error_rate` %,
 * `latency_p95` s, `bounce_rate` %, `conversion_rate_drop` % of the baseline), plus the shadow
 * stage's `status_mismatch_rate` %. They read the router (`builtin`) or the events endpoint
 * (`events`); each router metric also knows its PromQL over the router's own `/metrics`, used
 * when a plan points it at Prometheus (`metric_templates: {error_rate: {provider: prometheus}}`).
 */
import type { MetricTemplateSpec, NamedTemplate } from './metric-template.schema.js';

const sel = (name: string, version = 'version') =>
  `${name}{route="{{ route }}",${version}="{{ version }}"}[{{ interval }}]`;
const increase = (name: string, version?: string) => `sum(increase(${sel(name, version)}))`;
const requests = increase('sluice_router_requests_total');
const errorRatio = `${increase('sluice_router_errors_total')} / ${requests}`;
const quantile = (q: number) =>
  `histogram_quantile(${q}, sum by (le) (increase(${sel('sluice_router_request_duration_seconds_bucket')})))`;

interface BuiltinEntry {
  spec: MetricTemplateSpec;
  /** The same figure read from Prometheus scraping the router, when the router exposes it. */
  prometheus?: { query: string; samplesQuery: string };
}

const router = (
  metric: string,
  unit: string,
  better: 'higher' | 'lower',
  prometheus?: BuiltinEntry['prometheus'],
): BuiltinEntry => ({
  spec: { provider: { type: 'builtin' }, query: metric, unit, better },
  ...(prometheus ? { prometheus } : {}),
});
const events = (metric: string): BuiltinEntry => ({
  spec: { provider: { type: 'events' }, query: metric, unit: '%', better: 'lower' },
});

const errorRate = router('error_rate', '%', 'lower', {
  query: `100 * ${errorRatio}`,
  samplesQuery: requests,
});
const p95 = router('latency_p95', 's', 'lower', { query: quantile(0.95), samplesQuery: requests });
const compared = increase('sluice_router_mirror_compared_total', 'shadow');

const CATALOGUE: Readonly<Record<string, BuiltinEntry>> = {
  'request-success-rate': router('success_rate', '%', 'higher', {
    query: `100 * (1 - ${errorRatio})`,
    samplesQuery: requests,
  }),
  'request-duration': router('latency_p99', 's', 'lower', { query: quantile(0.99), samplesQuery: requests }),
  'error-rate': errorRate,
  error_rate: errorRate,
  latency_p95: p95,
  latency_p99: router('latency_p99', 's', 'lower', { query: quantile(0.99), samplesQuery: requests }),
  success_rate: router('success_rate', '%', 'higher', {
    query: `100 * (1 - ${errorRatio})`,
    samplesQuery: requests,
  }),
  bounce_rate: events('bounce_rate'),
  conversion_rate_drop: events('conversion_rate_drop'),
  status_mismatch_rate: router('status_mismatch_rate', '%', 'lower', {
    query: `100 * ${increase('sluice_router_mirror_status_mismatch_total', 'shadow')} / ${compared}`,
    samplesQuery: compared,
  }),
};

/** The built-in template names, sorted. */
export const BUILTIN_TEMPLATE_NAMES: readonly string[] = Object.keys(CATALOGUE).sort();

/** A built-in template by name, or null. */
export function builtinTemplate(name: string): NamedTemplate | null {
  const entry = CATALOGUE[name];
  return entry ? { name, spec: entry.spec, origin: 'builtin' } : null;
}

/**
 * The built-in read from Prometheus scraping the router (the operator's `--prometheus-url`
 * unless `address` is given), or null when the figure is not in the router's exposition.
 */
export function builtinOnPrometheus(name: string): NamedTemplate | null {
  const entry = CATALOGUE[name];
  if (!entry?.prometheus) return null;
  return {
    name,
    origin: 'builtin',
    spec: {
      provider: { type: 'prometheus' },
      query: entry.prometheus.query,
      samplesQuery: entry.prometheus.samplesQuery,
      ...(entry.spec.unit ? { unit: entry.spec.unit } : {}),
      ...(entry.spec.better ? { better: entry.spec.better } : {}),
    },
  };
}

/**
 * A threshold of 10 or more on a template whose unit is seconds is most likely meant in
 * milliseconds (Flagger's own `request-duration` is in ms): say so at apply.
 */
export function unitWarning(metric: string, template: NamedTemplate, bound: number): string | null {
  if (template.spec.unit !== 's' || bound < 10) return null;
  return `${metric} is in seconds (${template.name}${template.origin === 'builtin' ? ', Sluice’s built-in' : ''}), so a threshold of ${bound} means ${bound} s; Flagger’s request-duration is in milliseconds — did you mean ${bound / 1000}?`;
}
