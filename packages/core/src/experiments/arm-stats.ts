/**
 * One metric of one arm, read from the arm's aggregate: the summary the tests take (users and
 * conversions for rates; n, mean and sample variance for means; the delta-method variance for
 * ratios). Pure arithmetic over the sums of aggregates.ts.
 */
import type { CupedSums } from '../stats/index.js';
import { type ArmAggregate, sumKey } from './aggregates.js';
import type { MetricDefinition } from './schema.js';

export type ArmSummary =
  | { shape: 'proportion'; users: number; conversions: number; value: number | null }
  /** `variance`: sample variance of the per-user values (n − 1), or for ratios n·Var(ratio). */
  | { shape: 'mean'; n: number; mean: number | null; variance: number | null; value: number | null };

const get = (a: ArmAggregate, key: string) => a.sums[key] ?? 0;

/** Sums can drift below 0 by rounding (x² added and taken away); a variance is never negative. */
const sampleVariance = (n: number, sum: number, sumSq: number) =>
  n >= 2 ? Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)) : null;

/** Rounding leaves dust where the true value is 0: below this share of the scale it is 0. */
export function clean(x: number, scale: number): number {
  return Math.abs(x) <= Math.abs(scale) * 1e-12 ? 0 : x;
}

export function summarize(definition: MetricDefinition, a: ArmAggregate): ArmSummary {
  switch (definition.kind) {
    case 'conversion': {
      const conversions = Math.round(get(a, sumKey.users(definition.event)));
      return {
        shape: 'proportion',
        users: a.users,
        conversions: Math.min(conversions, a.users),
        value: a.users > 0 ? Math.min(conversions, a.users) / a.users : null,
      };
    }
    case 'count':
    case 'sum': {
      const [s, ss] =
        definition.kind === 'count'
          ? [get(a, sumKey.count(definition.event)), get(a, sumKey.countSq(definition.event))]
          : [get(a, sumKey.value(definition.event)), get(a, sumKey.valueSq(definition.event))];
      return meanSummary(a.users, s, ss);
    }
    case 'mean':
    case 'duration': {
      const n = Math.round(get(a, sumKey.users(definition.event)));
      return meanSummary(n, get(a, sumKey.mean(definition.event)), get(a, sumKey.meanSq(definition.event)));
    }
    case 'ratio':
      return ratioSummary(definition.numerator, definition.denominator, a);
  }
}

function meanSummary(n: number, sum: number, sumSq: number): ArmSummary {
  const mean = n > 0 ? sum / n : null;
  const variance = sampleVariance(n, sum, sumSq);
  return {
    shape: 'mean',
    n,
    mean,
    variance: variance === null ? null : clean(variance, sumSq / n),
    value: mean,
  };
}

/**
 * Σx / Σy over the arm's users, with the delta method (Deng, Knoblich & Lu, "Applying the Delta
 * Method in Metric Analytics", KDD 2018, §3): Var(R) ≈ (σx² − 2Rσxy + R²σy²) / (n·μy²). Returned
 * as a mean-shaped summary with `variance` = n·Var(R), so Var(R) = variance / n as for means.
 */
function ratioSummary(numerator: string, denominator: string, a: ArmAggregate): ArmSummary {
  const n = a.users;
  const sx = get(a, sumKey.count(numerator));
  const sy = get(a, sumKey.count(denominator));
  const sxx = get(a, sumKey.countSq(numerator));
  const syy = get(a, sumKey.countSq(denominator));
  const sxy = numerator === denominator ? sxx : get(a, sumKey.cross(numerator, denominator));
  if (n === 0 || sy === 0) return { shape: 'mean', n, mean: null, variance: null, value: null };
  const r = sx / sy;
  const my = sy / n;
  if (n < 2) return { shape: 'mean', n, mean: r, variance: null, value: r };
  const vx = (sxx - (sx * sx) / n) / (n - 1);
  const vy = (syy - (sy * sy) / n) / (n - 1);
  const cxy = (sxy - (sx * sy) / n) / (n - 1);
  const variance = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (my * my));
  return {
    shape: 'mean',
    n,
    mean: r,
    variance: clean(variance, (sxx + r * r * syy) / n / (my * my)),
    value: r,
  };
}

/** The metric kinds CUPED adjusts: one value per exposed user, with the same value before. */
export const CUPED_KINDS: readonly MetricDefinition['kind'][] = ['conversion', 'count', 'sum'];

/**
 * One arm's CUPED sums for a metric: y the user's metric after exposure, x the same metric in the
 * pre-period (converted before: 0 or 1; events before; their values before). Users without an
 * event count as 0 on both sides, as they do in the metric.
 */
export function cupedSums(
  definition: MetricDefinition,
  a: ArmAggregate,
): { sums: CupedSums; reason?: undefined } | { sums?: undefined; reason: string } {
  if (definition.kind !== 'conversion' && definition.kind !== 'count' && definition.kind !== 'sum')
    return { reason: `CUPED adjusts conversion, count and sum metrics, not ${definition.kind}` };
  const withCovariate = Math.round(get(a, sumKey.withCovariate));
  if (withCovariate < a.users)
    return {
      reason: `${a.users - withCovariate} users were exposed before CUPED was on, so they have no pre-period`,
    };
  const e = definition.event;
  const n = a.users;
  switch (definition.kind) {
    case 'conversion': {
      // 0/1 values: x² = x and y² = y
      const x = get(a, sumKey.preUsers(e));
      const y = get(a, sumKey.users(e));
      return { sums: { n, sumX: x, sumXX: x, sumY: y, sumYY: y, sumXY: get(a, sumKey.preUsersCross(e)) } };
    }
    case 'count':
      return {
        sums: {
          n,
          sumX: get(a, sumKey.preCount(e)),
          sumXX: get(a, sumKey.preCountSq(e)),
          sumY: get(a, sumKey.count(e)),
          sumYY: get(a, sumKey.countSq(e)),
          sumXY: get(a, sumKey.preCountCross(e)),
        },
      };
    case 'sum':
      return {
        sums: {
          n,
          sumX: get(a, sumKey.preValue(e)),
          sumXX: get(a, sumKey.preValueSq(e)),
          sumY: get(a, sumKey.value(e)),
          sumYY: get(a, sumKey.valueSq(e)),
          sumXY: get(a, sumKey.preValueCross(e)),
        },
      };
  }
}
