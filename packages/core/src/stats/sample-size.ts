/**
 * `sample-size`: users per variant for a two-sided test of two conversion rates, by the formula of
 * Evan Miller's sample size calculator (evanmiller.org/ab-testing/sample-size.html, its
 * `num_subjects`):
 *
 *   n = (z_{1−α/2}·√(2p(1−p)) + z_{power}·√(p(1−p) + (p+δ)(1−p−δ)))² / δ²
 *
 * with δ the absolute effect (a relative effect is δ = baseline × effect). Like the calculator, a
 * baseline above 0.5 is folded to 1 − p first (the calculator's symmetry shortcut, kept so the
 * numbers agree). Unlike the calculator's page, which rounds to the nearest user, the result is
 * rounded **up**: 1030.2 users is 1031, because 1030 falls short of the asked power.
 */
import { z } from 'zod';
import { invalid, parseInput } from './common.js';
import { normalQuantile } from './distributions.js';

const openUnit = (what: string) =>
  z.number().gt(0, 'must be above 0').lt(1, 'must be below 1').describe(what);

export const sampleSizeInput = z
  .strictObject({
    baselineRate: openUnit('conversion rate of control, in (0, 1)'),
    minimumDetectableEffect: z
      .number()
      .positive('must be above 0')
      .describe('smallest effect worth detecting'),
    effectType: z
      .enum(['absolute', 'relative'])
      .describe('absolute: rate points (0.05); relative: share of baseline'),
    alpha: openUnit('two-sided significance level; default 0.05').optional(),
    power: openUnit('chance to detect the effect when it is real; default 0.8').optional(),
  })
  .refine((v) => v.baselineRate + absoluteEffect(v) < 1, {
    path: ['minimumDetectableEffect'],
    message: 'baselineRate plus the effect must stay below 1',
  });
export type SampleSizeInput = z.input<typeof sampleSizeInput>;

export const sampleSizeResult = z.object({
  usersPerVariant: z.int(),
  /** δ, the effect in rate points. */
  absoluteEffect: z.number(),
});
export type SampleSizeResult = z.infer<typeof sampleSizeResult>;

function absoluteEffect(v: { baselineRate: number; minimumDetectableEffect: number; effectType: string }) {
  return v.effectType === 'relative' ? v.baselineRate * v.minimumDetectableEffect : v.minimumDetectableEffect;
}

/**
 * Users needed in each variant (Evan Miller's formula, rounded up).
 * @example
 * sampleSize({ baselineRate: 0.2, minimumDetectableEffect: 0.05, effectType: 'absolute' })
 * // → { usersPerVariant: 1031, absoluteEffect: 0.05 }  (the calculator's page shows 1,030)
 */
export function sampleSize(input: SampleSizeInput): SampleSizeResult {
  const v = parseInput('sample-size', sampleSizeInput, input);
  const alpha = v.alpha ?? 0.05;
  const power = v.power ?? 0.8;
  const delta = absoluteEffect(v);
  const p = v.baselineRate > 0.5 ? 1 - v.baselineRate : v.baselineRate;
  const zAlpha = -normalQuantile(alpha / 2);
  const zPower = normalQuantile(power);
  const sdNull = Math.sqrt(2 * p * (1 - p));
  const sdAlt = Math.sqrt(p * (1 - p) + (p + delta) * (1 - p - delta));
  const root = zAlpha * sdNull + zPower * sdAlt;
  if (!(root > 0))
    invalid('sample-size', 'power', 'is too low for this alpha: the formula has no positive solution');
  const usersPerVariant = Math.ceil((root * root) / (delta * delta));
  if (!Number.isSafeInteger(usersPerVariant)) {
    invalid(
      'sample-size',
      'minimumDetectableEffect',
      'is too small: no realistic number of users detects it',
    );
  }
  return { usersPerVariant, absoluteEffect: delta };
}
