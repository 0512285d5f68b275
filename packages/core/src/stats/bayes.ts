/**
 * `bayes`: Beta–binomial comparison of two conversion rates. Each arm's rate has the posterior
 * Beta(prior.alpha + conversions, prior.beta + users − conversions); from the two posteriors:
 *
 * - `chanceToBeatControl` = P(p_T > p_C), exactly, by Evan Miller's closed form ("Formulas for
 *   Bayesian A/B Testing", 2015):
 *   Σ_{i=0}^{α_T−1} B(α_C+i, β_C+β_T) / ((β_T+i)·B(1+i, β_T)·B(α_C, β_C)).
 *   The terms form a unimodal sequence whose ratio t_{i+1}/t_i is a rational function of i, so the
 *   sum starts at the largest term (computed with ln B) and walks outward by that ratio until the
 *   rest cannot change the double-precision result: O(√n) steps instead of O(n), exact for any
 *   counts. The formula needs a whole α; with a fractional prior α the mirrored form (over β) is
 *   used, so one of the prior's parameters must be whole.
 * - `expectedLoss` = E[max(p_C − p_T, 0)], what choosing treatment costs if control is better
 *   (absolute rate units), via E[p·1{p > q}] = E[p]·P(p⁺ > q) with p⁺ ~ Beta(α+1, β)
 *   (Stucchio, "Bayesian A/B Testing at VWO", 2015, §5); `expectedLossControl` the mirror.
 */
import { z } from 'zod';
import { parseInput, proportionArm } from './common.js';
import { logBeta } from './distributions.js';

/** Past 10¹⁰ users an arm's ln B carries more than 1e-6 of rounding (and the sum slows). */
const MAX_USERS = 1e10;
const bayesArm = proportionArm.refine((a) => a.users <= MAX_USERS, {
  path: ['users'],
  message: 'at most 10,000,000,000 users per arm',
});
const priorParameter = z.number().positive('must be above 0').max(1e6, 'at most 1,000,000');

export const bayesInput = z
  .strictObject({
    control: bayesArm,
    treatment: bayesArm,
    prior: z
      .strictObject({ alpha: priorParameter, beta: priorParameter })
      .optional()
      .describe('Beta prior of both rates; default Beta(1, 1) (uniform)'),
  })
  .refine((v) => !v.prior || Number.isInteger(v.prior.alpha) || Number.isInteger(v.prior.beta), {
    path: ['prior'],
    message: 'alpha or beta must be a whole number (the exact formula sums over one of them)',
  });
export type BayesInput = z.input<typeof bayesInput>;

export const bayesResult = z.object({
  chanceToBeatControl: z.number(),
  expectedLoss: z.number(),
  expectedLossControl: z.number(),
});
export type BayesResult = z.infer<typeof bayesResult>;

interface Beta {
  a: number;
  b: number;
}

/** Terms below this share of the running sum cannot change a double. */
const NEGLIGIBLE = 2 ** -56;

/** P(X > Y) for X ~ Beta(x.a, x.b) with whole x.a, Y ~ Beta(y.a, y.b): Evan Miller's sum. */
function sumOverWholeAlpha(x: Beta, y: Beta): number {
  const last = x.a - 1;
  // t_{i+1} / t_i; it falls through 1 once, at i0, so the terms rise, peak, then fall.
  const ratio = (i: number) => ((y.a + i) * (x.b + i)) / ((y.a + y.b + x.b + i) * (1 + i));
  const i0 = (y.a * x.b - y.a - y.b - x.b) / (y.b + 1);
  const mode = Math.min(last, Math.max(0, Math.ceil(i0)));
  const logPeak =
    logBeta(y.a + mode, y.b + x.b) - Math.log(x.b + mode) - logBeta(1 + mode, x.b) - logBeta(y.a, y.b);
  let sum = 1;
  let t = 1;
  // Past the peak every term is smaller than the last one added, so (terms left) × t bounds the rest.
  for (let i = mode; i < last; i++) {
    t *= ratio(i);
    sum += t;
    if (t * (last - i - 1) <= NEGLIGIBLE * sum) break;
  }
  t = 1;
  for (let i = mode; i > 0; i--) {
    t /= ratio(i - 1);
    sum += t;
    if (t * (i - 1) <= NEGLIGIBLE * sum) break;
  }
  return Math.min(1, Math.exp(logPeak) * sum);
}

/** P(X > Y) for two independent Beta variables, one of x.a or y.b whole. */
export function probabilityGreater(x: Beta, y: Beta): number {
  if (Number.isInteger(x.a)) return sumOverWholeAlpha(x, y);
  // X > Y ⇔ 1 − Y > 1 − X, and 1 − Y ~ Beta(y.b, y.a).
  if (Number.isInteger(y.b)) return sumOverWholeAlpha({ a: y.b, b: y.a }, { a: x.b, b: x.a });
  throw new Error('probabilityGreater needs a whole x.a or y.b');
}

/** E[max(X − Y, 0)] = E[X]·P(X⁺ > Y) − E[Y]·P(X > Y⁺), where V⁺ ~ Beta(a + 1, b). */
function expectedExcess(x: Beta, y: Beta): number {
  const meanX = x.a / (x.a + x.b);
  const meanY = y.a / (y.a + y.b);
  const loss =
    meanX * probabilityGreater({ a: x.a + 1, b: x.b }, y) -
    meanY * probabilityGreater(x, { a: y.a + 1, b: y.b });
  return Math.max(0, loss);
}

/**
 * Bayesian comparison of two conversion rates, exact (no sampling).
 * @example
 * bayes({ control: { users: 1000, conversions: 100 }, treatment: { users: 1000, conversions: 125 } })
 * // → { chanceToBeatControl: 0.962…, expectedLoss: 0.000212…, expectedLossControl: 0.0252… }
 */
export function bayes(input: BayesInput): BayesResult {
  const { control, treatment, prior = { alpha: 1, beta: 1 } } = parseInput('bayes', bayesInput, input);
  const c = { a: prior.alpha + control.conversions, b: prior.beta + control.users - control.conversions };
  const t = {
    a: prior.alpha + treatment.conversions,
    b: prior.beta + treatment.users - treatment.conversions,
  };
  return {
    chanceToBeatControl: probabilityGreater(t, c),
    expectedLoss: expectedExcess(c, t),
    expectedLossControl: expectedExcess(t, c),
  };
}
