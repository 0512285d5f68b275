/**
 * Metric definitions: the predefined ones (every metric the seed's experiments name) and how an
 * experiment's metric names resolve to definitions.
 */
import type { ExperimentSpec, MetricDefinition } from './schema.js';

/**
 * Metrics every experiment may name without defining them. Event names follow the events API:
 * `conversion`, `bounce` and `page_view` are the ones the demo app already sends.
 */
export const PREDEFINED_METRICS: Readonly<Record<string, MetricDefinition>> = Object.freeze({
  conversion_rate: { kind: 'conversion', event: 'conversion' },
  cart_abandonment: { kind: 'conversion', event: 'cart_abandonment', lower_is_better: true },
  time_to_checkout: { kind: 'duration', event: 'time_to_checkout', lower_is_better: true },
  click_through_rate: { kind: 'ratio', numerator: 'click', denominator: 'page_view' },
  time_on_page: { kind: 'duration', event: 'time_on_page' },
  bounce_rate: { kind: 'conversion', event: 'bounce', lower_is_better: true },
  revenue_per_user: { kind: 'sum', event: 'purchase' },
  average_order_value: { kind: 'mean', event: 'purchase' },
  pages_per_user: { kind: 'count', event: 'page_view' },
});

export interface ResolvedMetric {
  name: string;
  definition: MetricDefinition;
  /** How the definition was found; `assumed`: neither defined nor predefined. */
  source: 'defined' | 'predefined' | 'assumed';
  role: 'primary' | 'secondary';
}

/**
 * The experiment's metrics, primary first. A name that is neither defined in the experiment nor
 * predefined is read as the conversion rate of the event of that name (`source: 'assumed'`, so
 * the server can warn).
 */
export function resolveMetrics(spec: Pick<ExperimentSpec, 'metrics'>): ResolvedMetric[] {
  const names = [spec.metrics.primary, ...spec.metrics.secondary.filter((m) => m !== spec.metrics.primary)];
  return [...new Set(names)].map((name, i) => {
    const role = i === 0 ? 'primary' : 'secondary';
    const defined = spec.metrics.definitions?.[name];
    if (defined) return { name, definition: defined, source: 'defined', role };
    const predefined = PREDEFINED_METRICS[name];
    if (predefined) return { name, definition: predefined, source: 'predefined', role };
    return { name, definition: { kind: 'conversion', event: name }, source: 'assumed', role };
  });
}

/** The event names a metric reads. */
export function eventsOf(definition: MetricDefinition): string[] {
  return definition.kind === 'ratio' ? [definition.numerator, definition.denominator] : [definition.event];
}
