/**
 * Metric judgement, after Argo Rollouts' assessMetricStatus but for one reading per metric:
 * a value outside its range fails, a value inside passes, and anything else — no reading, a
 * null value, too few samples, a provider error — is inconclusive. Missing data is never a pass.
 */
import { z } from 'zod';
import { formatReading } from './units.js';

export const DEFAULT_MIN_SAMPLES = 1;

/** One reading from a metrics provider. Provider errors are data, not exceptions. */
export const measurementSchema = z.strictObject({
  metric: z.string().min(1),
  value: z.number().nullable(),
  error: z.string().optional(),
  sampleCount: z.number().int().nonnegative(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** A threshold as written in a plan: a bare number (a maximum) or an explicit range. */
export const thresholdValueSchema = z.union([
  z.number(),
  z.strictObject({
    min: z.number().optional(),
    max: z.number().optional(),
    min_samples: z.number().int().nonnegative().optional(),
  }),
]);
export const thresholdMapSchema = z.record(z.string().min(1), thresholdValueSchema);
export type ThresholdMap = z.infer<typeof thresholdMapSchema>;

/** A threshold after normalisation: what `assess` and the `measure` command carry. */
export const thresholdSchema = z.strictObject({
  metric: z.string().min(1),
  min: z.number().optional(),
  max: z.number().optional(),
  minSamples: z.number().int().nonnegative(),
});
export type Threshold = z.infer<typeof thresholdSchema>;

/**
 * `{error_rate: 1}` → max 1 on error_rate; `max_error_rate` / `min_success_rate` prefixes name
 * the metric they bound; `{min, max, min_samples}` sets a range. Metrics listed without a
 * threshold still need data (presence only).
 */
export function normalizeThresholds(
  map: ThresholdMap | undefined,
  metrics: readonly string[] = [],
): Threshold[] {
  const out = new Map<string, Threshold>();
  const get = (metric: string) => {
    let t = out.get(metric);
    if (!t) {
      t = { metric, minSamples: DEFAULT_MIN_SAMPLES };
      out.set(metric, t);
    }
    return t;
  };
  for (const [key, value] of Object.entries(map ?? {})) {
    if (typeof value === 'number') {
      if (key.startsWith('min_')) get(key.slice(4)).min = value;
      else get(key.startsWith('max_') ? key.slice(4) : key).max = value;
      continue;
    }
    const t = get(key);
    if (value.min !== undefined) t.min = value.min;
    if (value.max !== undefined) t.max = value.max;
    if (value.min_samples !== undefined) t.minSamples = value.min_samples;
  }
  for (const m of metrics) get(m);
  return [...out.values()];
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface MetricAssessment {
  metric: string;
  verdict: Verdict;
  value: number | null;
  reason: string;
}

export interface Assessment {
  verdict: Verdict;
  /** One line per metric that did not pass, or a summary when all passed. */
  reasons: string[];
  metrics: MetricAssessment[];
}

function judgeOne(t: Threshold, m: Measurement | undefined): MetricAssessment {
  const base = { metric: t.metric, value: m?.value ?? null };
  if (!m) return { ...base, verdict: 'inconclusive', reason: `${t.metric}: no measurement` };
  if (m.error !== undefined) {
    return { ...base, verdict: 'inconclusive', reason: `${t.metric}: ${m.error}` };
  }
  if (m.value === null || !Number.isFinite(m.value)) {
    return { ...base, verdict: 'inconclusive', reason: `${t.metric}: no value` };
  }
  if (m.sampleCount < Math.max(1, t.minSamples)) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `${t.metric}: ${m.sampleCount} samples, need ${Math.max(1, t.minSamples)}`,
    };
  }
  const shown = (v: number) => formatReading(t.metric, v);
  if (t.max !== undefined && m.value > t.max) {
    return { ...base, verdict: 'fail', reason: `${t.metric} = ${shown(m.value)} is above ${shown(t.max)}` };
  }
  if (t.min !== undefined && m.value < t.min) {
    return { ...base, verdict: 'fail', reason: `${t.metric} = ${shown(m.value)} is below ${shown(t.min)}` };
  }
  return { ...base, verdict: 'pass', reason: `${t.metric} = ${shown(m.value)} within range` };
}

/**
 * Judges the latest measurement of each thresholded metric. Any fail fails; otherwise any
 * inconclusive is inconclusive; only a full set of in-range readings passes.
 */
export function assess(measurements: readonly Measurement[], thresholds: readonly Threshold[]): Assessment {
  const latest = new Map<string, Measurement>();
  for (const m of measurements) latest.set(m.metric, m);
  const metrics = thresholds.map((t) => judgeOne(t, latest.get(t.metric)));
  const failed = metrics.filter((m) => m.verdict === 'fail');
  const unsure = metrics.filter((m) => m.verdict === 'inconclusive');
  if (failed.length > 0) return { verdict: 'fail', reasons: failed.map((m) => m.reason), metrics };
  if (unsure.length > 0) return { verdict: 'inconclusive', reasons: unsure.map((m) => m.reason), metrics };
  const summary = metrics.length === 0 ? ['no thresholds to check'] : metrics.map((m) => m.reason);
  return { verdict: 'pass', reasons: summary, metrics };
}
