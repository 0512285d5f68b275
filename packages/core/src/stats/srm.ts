/**
 * `srm`: sample ratio mismatch — Pearson's chi-square goodness-of-fit test of the users seen per
 * arm against the planned split, without continuity correction (R's `chisq.test(x, p = w,
 * rescale.p = TRUE)`, scipy's `chisquare`). A p-value below 0.001 is a mismatch, the threshold
 * Kohavi, Tang & Xu ("Trustworthy Online Controlled Experiments", ch. 21) and GrowthBook use.
 */
import { z } from 'zod';
import { count, nullableNumber, parseInput, positiveReal, Reasons, reason } from './common.js';
import { chiSquareSf } from './distributions.js';

/** p-values below this flag a sample ratio mismatch. */
export const SRM_THRESHOLD = 0.001;

export const srmInput = z
  .strictObject({
    observed: z.array(count).min(2, 'needs at least two arms').describe('users seen per arm'),
    weights: z
      .array(positiveReal)
      .min(2, 'needs at least two arms')
      .describe('planned share of each arm, in any unit (normalized to sum to 1)'),
  })
  .refine((v) => v.observed.length === v.weights.length, {
    path: ['weights'],
    message: 'must have one weight per observed arm',
  });
export type SrmInput = z.input<typeof srmInput>;

export const srmResult = z.object({
  expectedCounts: z.array(z.number()),
  chiSquare: nullableNumber,
  df: z.int(),
  pValue: nullableNumber,
  /** pValue < 0.001; false when the test is undefined (no users yet). */
  mismatch: z.boolean(),
  reason,
});
export type SrmResult = z.infer<typeof srmResult>;

/**
 * Tests whether users reached the arms in the planned proportions.
 * @example
 * srm({ observed: [5000, 5200], weights: [50, 50] })
 * // → { expectedCounts: [5100, 5100], chiSquare: 3.92…, df: 1, pValue: 0.0476…, mismatch: false }
 */
export function srm(input: SrmInput): SrmResult {
  const { observed, weights } = parseInput('srm', srmInput, input);
  const why = new Reasons();
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const expectedCounts = weights.map((w) => (total * w) / weightSum);
  const df = observed.length - 1;
  if (total === 0) {
    why.add('no users observed yet');
    return { expectedCounts, chiSquare: null, df, pValue: null, mismatch: false, ...why.done() };
  }
  let chiSquare = 0;
  observed.forEach((o, i) => {
    const e = expectedCounts[i] ?? 0;
    chiSquare += ((o - e) * (o - e)) / e;
  });
  const pValue = chiSquareSf(chiSquare, df);
  return { expectedCounts, chiSquare, df, pValue, mismatch: pValue < SRM_THRESHOLD };
}
