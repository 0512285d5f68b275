/**
 * The metric provider edge. Modelled on Argo Rollouts' `metric/provider.go`: a provider takes
 * one metric query and always hands back a measurement; failures are a measurement in error,
 * never an exception, so the orchestrator records them and judges them inconclusive.
 *
 * The measurement is the core's `Measurement` (`@sluice/core/rollouts`), produced exactly:
 * `{metric, value | null, error?, sampleCount}`. `value` is null whenever there is no
 * trustworthy figure (no data, too few samples, a failed back end); `error` then says why.
 */
import type { Measurement } from '@sluice/core/analysis';
import type { MetricTemplateSpec } from '../templates/metric-template.schema.js';

export type { Measurement } from '@sluice/core/analysis';

/** What to measure. One shape for every provider; each reads the fields it needs. */
export interface MetricQuery {
  /** Metric name, e.g. `error_rate`, `latency_p95`, `bounce_rate`, `conversion_rate_drop`. */
  metric: string;
  /** The Route resource whose versions are measured (router metrics). */
  route?: string;
  /** The environment whose events are counted (events metrics); the provider has a default. */
  environment?: string;
  /** The version under test (the canary). */
  version: string;
  /** The version it is compared with (the stable one), for relative metrics. */
  baselineVersion?: string;
  /** How far back from `now` to look, in milliseconds. */
  windowMs: number;
  /** The end of the window; passed in so providers never read a clock of their own. */
  now: Date;
  /**
   * What to read, when the metric resolved to a template: `prometheus` and `http` need one;
   * `builtin` and `events` read `template.query` as their own metric name instead of `metric`.
   */
  template?: MetricTemplateSpec;
  /** The Service measured (`{{ service }}`, Flagger's `{{ target }}`); default: the route. */
  service?: string;
  /** `{{ namespace }}`: the stage's namespace; default: the environment. */
  namespace?: string;
  /** `{{ stage }}`: the plan stage asking. */
  stage?: string;
}

export interface MetricProvider {
  /** The provider's type as written in templates and gates: `builtin`, `events`, … */
  readonly type: string;

  /** The metric names this provider answers; the registry routes these names to it. */
  names(): readonly string[];

  /**
   * Measures one metric. Resolves, never rejects: an unknown name, missing input, too few
   * samples or a failing back end all come back as a measurement with `value: null` (or a
   * partial value) and an `error` saying why.
   */
  measure(query: MetricQuery): Promise<Measurement>;
}
