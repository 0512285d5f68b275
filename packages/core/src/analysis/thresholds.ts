/**
 * The shapes judgement works on, with no dependency beyond zod (so the plan schema can use
 * them): a provider's reading (`Measurement`, with the counts behind it when it has them),
 * thresholds as a plan writes them and as the judge reads them, and a check's verdict.
 */
import { z } from 'zod';
import type { CompareMemory } from './compare.js';

export const DEFAULT_MIN_SAMPLES = 1;

const countsSchema = z.strictObject({
  /** Errors, bounces or conversions … */
  events: z.number().int().nonnegative(),
  /** … of requests or page views. */
  total: z.number().int().nonnegative(),
});

/**
 * The counts behind a reading, so the judge can weigh it: `rate` — value is 100·events/total
 * of the version; `relative_drop` — value is how much lower the version's rate is than the
 * baseline's, in percent of the baseline's. `baseline` (the stable version over the same
 * window) lets the judge compare the two.
 */
export const evidenceSchema = z.strictObject({
  statistic: z.enum(['rate', 'relative_drop']),
  version: countsSchema,
  baseline: countsSchema.optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** Latency histograms of both versions over the same window, in the same (ascending) bins. */
export const histogramsSchema = z.strictObject({
  version: z.array(z.number().int().nonnegative()),
  baseline: z.array(z.number().int().nonnegative()),
});

/** One reading from a metrics provider. Provider errors are data, not exceptions. */
export const measurementSchema = z.strictObject({
  metric: z.string().min(1),
  value: z.number().nullable(),
  error: z.string().optional(),
  /** The provider could not be asked (unreachable, timeout, 5xx): counts toward consecutive_error_limit. */
  providerFailed: z.boolean().optional(),
  sampleCount: z.number().int().nonnegative(),
  /** What the value means, told with it (a webhook's `answered 500: …`); unlike `error`, judged. */
  note: z.string().max(500).optional(),
  evidence: evidenceSchema.optional(),
  histograms: histogramsSchema.optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** A threshold as written in a plan: a bare number (a maximum) or an explicit range. */
export const thresholdValueSchema = z.union([
  z.number(),
  z
    .strictObject({
      min: z.number().optional(),
      max: z.number().optional(),
      min_samples: z.number().int().nonnegative().optional(),
    })
    .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, {
      message: 'min is above max: no value could pass',
      path: ['min'],
    }),
]);
/** A range no value can pass (min above max, also across `min_x` and `max_x` keys) is refused. */
export const thresholdMapSchema = z
  .record(z.string().min(1), thresholdValueSchema)
  .superRefine((map, ctx) => {
    for (const t of normalizeThresholds(map))
      if (t.min !== undefined && t.max !== undefined && t.min > t.max)
        ctx.addIssue({
          code: 'custom',
          path: [`min_${t.metric}` in map ? `min_${t.metric}` : t.metric],
          message: `min ${t.min} is above max ${t.max} for ${t.metric}: no value could pass`,
        });
  });
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
  threshold: { min?: number; max?: number };
  samples: number;
  minSamples: number;
  /** The value's interval at the policy's confidence, when the reading carried counts. */
  interval?: [number, number];
  /** A failure sure enough to act on at once (a bound passed with confidence, a test crossing). */
  decisive?: boolean;
  /** The provider could not be asked. */
  providerFailed?: boolean;
}

export interface Assessment {
  verdict: Verdict;
  /** One line per metric that did not pass, or a summary when all passed. */
  reasons: string[];
  metrics: MetricAssessment[];
  /** What the baseline comparison carries to the next check (JSON). */
  memory?: CompareMemory;
}
