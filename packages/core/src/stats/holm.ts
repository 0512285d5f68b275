/**
 * `holm`: Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test
 * procedure"), the same as R's `p.adjust(p, "holm")` and statsmodels'
 * `multipletests(p, method='holm')`. Controls the family-wise error rate under any dependence.
 */
import { z } from 'zod';
import { parseInput } from './common.js';

export const holmInput = z.strictObject({
  pValues: z.array(z.number().min(0).max(1)).min(1, 'needs at least one p-value'),
  alpha: z
    .number()
    .gt(0, 'must be above 0')
    .lt(1, 'must be below 1')
    .optional()
    .describe('family-wise error rate; default 0.05'),
});
export type HolmInput = z.input<typeof holmInput>;

export const holmResult = z.object({
  /** Holm-adjusted p-values, in the input's order. */
  adjusted: z.array(z.number()),
  /** adjusted ≤ alpha, in the input's order. */
  rejected: z.array(z.boolean()),
  alpha: z.number(),
});
export type HolmResult = z.infer<typeof holmResult>;

/**
 * Adjusts p-values for multiple comparisons.
 * @example
 * holm({ pValues: [0.01, 0.04, 0.03, 0.005] })
 * // → { adjusted: [0.03, 0.06, 0.06, 0.02], rejected: [true, false, false, true], alpha: 0.05 }
 */
export function holm(input: HolmInput): HolmResult {
  const { pValues, alpha = 0.05 } = parseInput('holm', holmInput, input);
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    // (m − rank)·p, made monotone so a smaller p never gets a larger adjusted value.
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return { adjusted, rejected: adjusted.map((p) => p <= alpha), alpha };
}
