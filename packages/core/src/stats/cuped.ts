/**
 * `cuped`: variance reduction with a pre-experiment covariate (Deng, Xu, Kohavi & Walker,
 * "Improving the Sensitivity of Online Controlled Experiments by Utilizing Pre-Experiment Data",
 * WSDM 2013). Each user's metric Y is adjusted to Y − θ(X − E X) with one θ for both arms, the
 * pooled within-arm regression slope
 *
 *   θ = Σ_arms (n−1)·cov(X, Y) / Σ_arms (n−1)·var(X)
 *
 * — the coefficient of X in the regression Y ~ arm + X, so the difference below equals that
 * regression's arm coefficient. The difference of adjusted means is
 * (Ȳ_T − Ȳ_C) − θ(X̄_T − X̄_C), its variance Σ (var Y − 2θ cov + θ² var X)/n, and the test and
 * interval are normal (z), as in the paper. Each arm's adjusted mean is Ȳ − θ(X̄ − X̄_all), X̄_all
 * the covariate's mean over both arms, so the adjusted means differ by exactly `difference`.
 */
import { z } from 'zod';
import {
  confidence,
  DEFAULT_CONFIDENCE,
  interval,
  nonNegativeReal,
  nullableNumber,
  parseInput,
  Reasons,
  real,
  reason,
} from './common.js';
import { around, criticalZ, twoSidedNormalP } from './distributions.js';

const cupedArm = z
  .strictObject({
    n: z.int().min(2, 'must be at least 2 (a sample variance needs two values)'),
    meanY: real,
    varY: nonNegativeReal,
    meanX: real,
    varX: nonNegativeReal,
    covXY: real,
  })
  // Any real sample has cov² ≤ var X · var Y (Cauchy–Schwarz); a little slack for rounding.
  .refine((a) => a.covXY * a.covXY <= a.varX * a.varY * (1 + 1e-9), {
    path: ['covXY'],
    message: 'cannot exceed √(varX·varY) in size (no sample has such a covariance)',
  });

export const cupedInput = z.strictObject({ control: cupedArm, treatment: cupedArm, confidence });
export type CupedInput = z.input<typeof cupedInput>;

export const cupedResult = z.object({
  theta: nullableNumber,
  /** adjusted treatment mean − adjusted control mean */
  difference: nullableNumber,
  se: nullableNumber,
  z: nullableNumber,
  pValue: nullableNumber,
  ci: interval.nullable(),
  /** control's adjusted mean Ȳ_C − θ(X̄_C − X̄_all) */
  controlMean: nullableNumber,
  /** treatment's adjusted mean Ȳ_T − θ(X̄_T − X̄_all) */
  treatmentMean: nullableNumber,
  /** 1 − adjusted variance / unadjusted variance of the difference */
  varianceReduction: nullableNumber,
  confidence: z.number(),
  reason,
});
export type CupedResult = z.infer<typeof cupedResult>;

/**
 * CUPED-adjusted comparison of two means.
 * @example
 * cuped({
 *   control: { n: 1000, meanY: 10, varY: 4, meanX: 9.5, varX: 4, covXY: 3 },
 *   treatment: { n: 1000, meanY: 10.3, varY: 4, meanX: 9.6, varX: 4, covXY: 3 },
 * })
 * // → { theta: 0.75, difference: 0.225, se: 0.0591…, varianceReduction: 0.5625,
 * //     controlMean: 10.0375, treatmentMean: 10.2625, … }
 */
export function cuped(input: CupedInput): CupedResult {
  const {
    control: c,
    treatment: t,
    confidence: level = DEFAULT_CONFIDENCE,
  } = parseInput('cuped', cupedInput, input);
  const why = new Reasons();
  const out: CupedResult = {
    theta: null,
    difference: null,
    se: null,
    z: null,
    pValue: null,
    ci: null,
    controlMean: null,
    treatmentMean: null,
    varianceReduction: null,
    confidence: level,
  };
  const sxx = (c.n - 1) * c.varX + (t.n - 1) * t.varX;
  if (!(sxx > 0)) {
    why.add('the covariate does not vary within either arm, so θ is undefined');
    return { ...out, ...why.done() };
  }
  const theta = ((c.n - 1) * c.covXY + (t.n - 1) * t.covXY) / sxx;
  // Rounding can take an exactly-collinear arm a hair below 0.
  const adjusted = (a: typeof c) => Math.max(0, a.varY - 2 * theta * a.covXY + theta * theta * a.varX) / a.n;
  const variance = adjusted(c) + adjusted(t);
  const raw = c.varY / c.n + t.varY / t.n;
  out.theta = theta;
  out.difference = t.meanY - c.meanY - theta * (t.meanX - c.meanX);
  const meanX = (c.n * c.meanX + t.n * t.meanX) / (c.n + t.n);
  out.controlMean = c.meanY - theta * (c.meanX - meanX);
  out.treatmentMean = t.meanY - theta * (t.meanX - meanX);
  out.se = Math.sqrt(variance);
  out.varianceReduction = raw > 0 ? 1 - variance / raw : why.add('the metric does not vary, so no reduction');
  if (out.se > 0) {
    out.z = out.difference / out.se;
    out.pValue = twoSidedNormalP(out.z);
    out.ci = around(out.difference, criticalZ(level) * out.se);
  } else {
    why.add('the adjusted metric has no variance, so the test is undefined');
  }
  return { ...out, ...why.done() };
}

/** Per-user sums of one arm: n users, Σx, Σx², Σy, Σy², Σxy (x the covariate, y the metric). */
export interface CupedSums {
  n: number;
  sumX: number;
  sumXX: number;
  sumY: number;
  sumYY: number;
  sumXY: number;
}

/** One arm of `cuped`'s input. */
export type CupedArm = z.infer<typeof cupedArm>;

/**
 * An arm's moments for `cuped` from its running sums: means, and sample variances and covariance
 * (divided by n − 1). Null below two users. Sums kept by adding and taking away per-user terms
 * can drift a hair past the truth, so variances are floored at 0 and the covariance is held
 * within Cauchy–Schwarz.
 * @example
 * cupedMoments({ n: 3, sumX: 6, sumXX: 14, sumY: 9, sumYY: 29, sumXY: 20 })
 * // → { n: 3, meanX: 2, varX: 1, meanY: 3, varY: 1, covXY: 1 }
 */
export function cupedMoments(s: CupedSums): CupedArm | null {
  if (s.n < 2) return null;
  const varX = Math.max(0, (s.sumXX - (s.sumX * s.sumX) / s.n) / (s.n - 1));
  const varY = Math.max(0, (s.sumYY - (s.sumY * s.sumY) / s.n) / (s.n - 1));
  const bound = Math.sqrt(varX * varY);
  const covXY = Math.min(bound, Math.max(-bound, (s.sumXY - (s.sumX * s.sumY) / s.n) / (s.n - 1)));
  return { n: s.n, meanX: s.sumX / s.n, varX, meanY: s.sumY / s.n, varY, covXY };
}
