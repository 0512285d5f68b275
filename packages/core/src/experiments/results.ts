/**
 * An experiment's results from its per-arm aggregates: each metric per arm against control, Holm
 * across arms (primary) and across arms × secondary metrics, the sample ratio check, users so far
 * against users needed, and the verdict (verdict.ts).
 */
import { holm, normalQuantile, type SrmResult, sampleSize, srm } from '../stats/index.js';
import type { ArmAggregate } from './aggregates.js';
import { type ArmSummary, cupedSums, summarize } from './arm-stats.js';
import { type Comparison, compare, cupedComparison } from './compare.js';
import { type ResolvedMetric, resolveMetrics } from './metrics.js';
import {
  armsOf,
  CONTROL,
  DEFAULT_MINIMUM_DETECTABLE_EFFECT,
  type ExperimentSpec,
  type MetricKind,
} from './schema.js';
import { decide, type Verdict } from './verdict.js';

export const ALPHA = 0.05;
const DAY_MS = 86_400_000;

export interface MetricResult {
  name: string;
  kind: MetricKind;
  role: 'primary' | 'secondary';
  lowerIsBetter: boolean;
  source: ResolvedMetric['source'];
  arms: { arm: string; n: number; value: number | null }[];
  /** Each treatment arm against control. */
  comparisons: Comparison[];
}

export interface ExperimentResults {
  experiment: string;
  status: ExperimentSpec['status'];
  startedAt: string | null;
  /** Days since the start (fractional), 0 before it. */
  daysRunning: number;
  durationDays: number;
  arms: { arm: string; share: number; users: number }[];
  srm: SrmResult & { checked: boolean };
  sampleSize: {
    /** Exposed users so far, all arms. */
    users: number;
    /** The fewest users of any arm. */
    smallestArm: number;
    /** `min_sample_size`, per arm. */
    minimumPerArm: number;
    /** Users per arm to detect `minimum_detectable_effect` on the primary metric (80 % power), when known. */
    neededPerArm: number | null;
    minimumDetectableEffect: number;
    reason?: string;
  };
  metrics: MetricResult[];
  verdict: Verdict;
}

export interface ResultsInput {
  key: string;
  spec: ExperimentSpec;
  aggregates: ReadonlyMap<string, ArmAggregate>;
  /** When the experiment started (epoch ms), null if it never has. */
  startedAt: number | null;
  /** Now (epoch ms); results of a stopped experiment are as of its stop. */
  now: number;
}

/**
 * @example
 * experimentResults({ key: 'checkout', spec, aggregates, startedAt, now: Date.now() }).verdict
 * // → { decision: 'keep_running', reason: '3 of 14 days; the smallest arm has 420 of 1000 users' }
 */
export function experimentResults(input: ResultsInput): ExperimentResults {
  const { spec } = input;
  const arms = armsOf(spec);
  const empty: ArmAggregate = { users: 0, sums: {} };
  const agg = (arm: string) => input.aggregates.get(arm) ?? empty;
  const mde = spec.minimum_detectable_effect ?? DEFAULT_MINIMUM_DETECTABLE_EFFECT;
  const cuped = spec.cuped !== undefined;
  const metrics = resolveMetrics(spec).map((metric) => metricResult(metric, arms, agg, mde, cuped));
  adjust(metrics.filter((m) => m.role === 'primary'));
  adjust(metrics.filter((m) => m.role === 'secondary'));

  const srmResult = sampleRatio(spec, arms, agg);
  const users = arms.map((a) => agg(a).users);
  const primary = metrics[0] as MetricResult;
  const needed = neededPerArm(primary, resolveMetrics(spec)[0] as ResolvedMetric, agg, mde);
  const daysRunning = input.startedAt === null ? 0 : Math.max(0, (input.now - input.startedAt) / DAY_MS);
  const results: Omit<ExperimentResults, 'verdict'> = {
    experiment: input.key,
    status: spec.status,
    startedAt: input.startedAt === null ? null : new Date(input.startedAt).toISOString(),
    daysRunning,
    durationDays: spec.duration_days,
    arms: arms.map((arm) => ({ arm, share: spec.traffic_split[arm] ?? 0, users: agg(arm).users })),
    srm: srmResult,
    sampleSize: {
      users: users.reduce((a, b) => a + b, 0),
      smallestArm: Math.min(...users),
      minimumPerArm: spec.min_sample_size,
      neededPerArm: needed.value,
      minimumDetectableEffect: mde,
      ...(needed.reason ? { reason: needed.reason } : {}),
    },
    metrics,
  };
  return { ...results, verdict: decide(results, ALPHA) };
}

function metricResult(
  metric: ResolvedMetric,
  arms: string[],
  agg: (arm: string) => ArmAggregate,
  mde: number,
  cuped: boolean,
): MetricResult {
  const lowerIsBetter = metric.definition.lower_is_better ?? false;
  const summaries = new Map<string, ArmSummary>(arms.map((a) => [a, summarize(metric.definition, agg(a))]));
  const control = summaries.get(CONTROL) as ArmSummary;
  const controlCuped = cuped ? cupedSums(metric.definition, agg(CONTROL)) : null;
  return {
    name: metric.name,
    kind: metric.definition.kind,
    role: metric.role,
    lowerIsBetter,
    source: metric.source,
    arms: arms.map((arm) => {
      const s = summaries.get(arm) as ArmSummary;
      return { arm, n: s.shape === 'proportion' ? s.users : s.n, value: s.value };
    }),
    comparisons: arms
      .filter((a) => a !== CONTROL)
      .map((arm) => {
        const c = compare(arm, control, summaries.get(arm) as ArmSummary, lowerIsBetter, mde);
        if (controlCuped) c.cuped = cupedComparison(controlCuped, cupedSums(metric.definition, agg(arm)));
        return c;
      }),
  };
}

/** Holm over every comparison of the family that has a p-value (fixed and sequential apart). */
function adjust(family: MetricResult[]): void {
  const comparisons = family.flatMap((m) => m.comparisons);
  for (const [from, to] of [
    ['pValue', 'pValueAdjusted'],
    ['sequentialPValue', 'sequentialPValueAdjusted'],
  ] as const) {
    const withP = comparisons.filter((c) => c[from] !== null);
    if (withP.length === 0) continue;
    const { adjusted } = holm({ pValues: withP.map((c) => c[from] as number) });
    withP.forEach((c, i) => {
      c[to] = adjusted[i] ?? null;
    });
  }
}

/**
 * Pearson's test of the exposed users against the split. Arms with a 0 % share cannot be in the
 * test's weights: any user in one is a mismatch by itself.
 */
function sampleRatio(
  spec: ExperimentSpec,
  arms: string[],
  agg: (arm: string) => ArmAggregate,
): SrmResult & { checked: boolean } {
  const planned = arms.filter((a) => (spec.traffic_split[a] ?? 0) > 0);
  const stray = arms.filter((a) => (spec.traffic_split[a] ?? 0) === 0 && agg(a).users > 0);
  const observed = planned.map((a) => agg(a).users);
  const result =
    planned.length >= 2
      ? srm({ observed, weights: planned.map((a) => spec.traffic_split[a] as number) })
      : { expectedCounts: observed, chiSquare: null, df: 0, pValue: null, mismatch: false };
  if (stray.length) {
    return {
      ...result,
      mismatch: true,
      checked: true,
      reason: `users reached ${stray.join(', ')}, which the split gives 0 %`,
    };
  }
  // The chi-square approximation needs about 5 expected users per arm before it means anything.
  const checked = result.expectedCounts.every((e) => e >= 5);
  return checked
    ? { ...result, checked }
    : {
        ...result,
        mismatch: false,
        checked,
        reason: 'fewer than 5 expected users in an arm: not checked yet',
      };
}

/** Users per arm for 80 % power at the MDE (two-sided 5 %), from control's observed baseline. */
function neededPerArm(
  result: MetricResult,
  metric: ResolvedMetric,
  agg: (arm: string) => ArmAggregate,
  mde: number,
): { value: number | null; reason?: string } {
  const control = summarize(metric.definition, agg(CONTROL));
  if (control.shape === 'proportion') {
    const p = control.value;
    if (p === null || p <= 0 || p >= 1) return { value: null, reason: 'no baseline rate in control yet' };
    if (p * (1 + mde) >= 1) return { value: null, reason: 'the baseline plus the effect reaches 100 %' };
    return {
      value: sampleSize({ baselineRate: p, minimumDetectableEffect: mde, effectType: 'relative' })
        .usersPerVariant,
    };
  }
  if (control.mean === null || control.variance === null || control.mean === 0)
    return { value: null, reason: `no baseline for ${result.name} in control yet` };
  // n = 2(z₁₋α/₂ + z_power)²σ²/δ², the normal approximation for two means.
  const z = -normalQuantile(ALPHA / 2) + normalQuantile(0.8);
  const delta = mde * Math.abs(control.mean);
  const n = Math.ceil((2 * z * z * control.variance) / (delta * delta));
  return Number.isSafeInteger(n)
    ? { value: n }
    : { value: null, reason: 'the effect is too small to detect' };
}
