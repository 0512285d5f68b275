/**
 * `means`: Welch's unequal-variance t-test from summary statistics (Welch 1947; degrees of freedom
 * by Welch–Satterthwaite). Matches R's `t.test(x, y)` and scipy's
 * `ttest_ind_from_stats(..., equal_var=False)`.
 */
import { z } from 'zod';
import {
  confidence,
  DEFAULT_CONFIDENCE,
  interval,
  meanArm,
  nullableNumber,
  parseInput,
  Reasons,
  reason,
} from './common.js';
import { around, criticalT, twoSidedTP } from './distributions.js';

export const meansInput = z.strictObject({ control: meanArm, treatment: meanArm, confidence });
export type MeansInput = z.input<typeof meansInput>;

export const meansResult = z.object({
  /** treatment mean − control mean */
  difference: z.number(),
  se: z.number(),
  t: nullableNumber,
  df: nullableNumber,
  pValue: nullableNumber,
  ci: interval.nullable(),
  confidence: z.number(),
  reason,
});
export type MeansResult = z.infer<typeof meansResult>;

/**
 * Welch's t-test on two arms given as `{n, mean, variance}` (sample variance, n − 1).
 * @example
 * means({ control: { n: 10, mean: 0.75, variance: 3.2006 }, treatment: { n: 10, mean: 2.33, variance: 4.009 } })
 * // → { difference: 1.58, t: 1.86…, df: 17.78…, pValue: 0.0794…, ci: [-0.205…, 3.365…], … }
 */
export function means(input: MeansInput): MeansResult {
  const {
    control,
    treatment,
    confidence: level = DEFAULT_CONFIDENCE,
  } = parseInput('means', meansInput, input);
  const why = new Reasons();
  const difference = treatment.mean - control.mean;
  const vc = control.variance / control.n;
  const vt = treatment.variance / treatment.n;
  const se = Math.sqrt(vc + vt);
  const out: MeansResult = { difference, se, t: null, df: null, pValue: null, ci: null, confidence: level };
  if (!(se > 0)) {
    why.add('both variances are 0, so the difference has no standard error');
    return { ...out, ...why.done() };
  }
  // Welch–Satterthwaite, (vc + vt)² / (vc²/(n_C − 1) + vt²/(n_T − 1)), in shares of vc + vt so
  // tiny or huge variances neither underflow nor overflow.
  const shareC = vc / (vc + vt);
  const shareT = vt / (vc + vt);
  const df = 1 / ((shareC * shareC) / (control.n - 1) + (shareT * shareT) / (treatment.n - 1));
  const t = difference / se;
  return {
    ...out,
    t,
    df,
    pValue: twoSidedTP(t, df),
    ci: around(difference, criticalT(level, df) * se),
  };
}
