/**
 * `proportions`: two conversion rates. Wald interval on the difference (unpooled standard error),
 * a delta-method interval on the relative lift, and the pooled two-proportion z-test — the
 * textbook trio (Agresti, "Categorical Data Analysis", §1.4 and §3.1; statsmodels'
 * `proportions_ztest` and `confint_proportions_2indep(method='wald')`).
 */
import { z } from 'zod';
import {
  confidence,
  DEFAULT_CONFIDENCE,
  interval,
  nullableNumber,
  parseInput,
  proportionArm,
  Reasons,
  reason,
} from './common.js';
import { around, criticalZ, twoSidedNormalP } from './distributions.js';

export const proportionsInput = z.strictObject({
  control: proportionArm,
  treatment: proportionArm,
  confidence,
});
export type ProportionsInput = z.input<typeof proportionsInput>;

export const proportionsResult = z.object({
  controlRate: nullableNumber,
  treatmentRate: nullableNumber,
  /** treatmentRate − controlRate */
  absoluteLift: nullableNumber,
  /** (treatmentRate − controlRate) / controlRate */
  relativeLift: nullableNumber,
  ci: interval.nullable(),
  relativeCi: interval.nullable(),
  z: nullableNumber,
  pValue: nullableNumber,
  confidence: z.number(),
  reason,
});
export type ProportionsResult = z.infer<typeof proportionsResult>;

/**
 * Compares two conversion rates.
 * @example
 * proportions({ control: { users: 1000, conversions: 100 }, treatment: { users: 1000, conversions: 125 } })
 * // → { controlRate: 0.1, treatmentRate: 0.125, absoluteLift: 0.025, relativeLift: 0.25, pValue: 0.0759…, … }
 */
export function proportions(input: ProportionsInput): ProportionsResult {
  const {
    control,
    treatment,
    confidence: level = DEFAULT_CONFIDENCE,
  } = parseInput('proportions', proportionsInput, input);
  const why = new Reasons();
  const pc = control.users > 0 ? control.conversions / control.users : why.add('control has no users');
  const pt =
    treatment.users > 0 ? treatment.conversions / treatment.users : why.add('treatment has no users');
  const out: ProportionsResult = {
    controlRate: pc,
    treatmentRate: pt,
    absoluteLift: null,
    relativeLift: null,
    ci: null,
    relativeCi: null,
    z: null,
    pValue: null,
    confidence: level,
  };
  if (pc === null || pt === null) return { ...out, ...why.done() };

  const diff = pt - pc;
  const z = criticalZ(level);
  const varC = (pc * (1 - pc)) / control.users;
  const varT = (pt * (1 - pt)) / treatment.users;
  const se = Math.sqrt(varC + varT);
  out.absoluteLift = diff;
  out.ci =
    se > 0 ? around(diff, z * se) : why.add('both rates are 0 or 1, so the difference has no variance');

  if (pc > 0) {
    out.relativeLift = diff / pc;
    // Delta method for pt/pc: Var ≈ Var(pt)/pc² + pt²·Var(pc)/pc⁴.
    const seRel = Math.sqrt(varT / (pc * pc) + (pt * pt * varC) / (pc * pc * pc * pc));
    out.relativeCi =
      seRel > 0
        ? around(diff / pc, z * seRel)
        : why.add('the relative lift has no variance (rates of 0 or 1)');
  } else {
    why.add('the control rate is 0, so the relative lift is undefined');
  }

  const pooled = (control.conversions + treatment.conversions) / (control.users + treatment.users);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / control.users + 1 / treatment.users));
  if (se0 > 0) {
    out.z = diff / se0;
    out.pValue = twoSidedNormalP(out.z);
  } else {
    why.add('the pooled rate is 0 or 1, so the z-test is undefined');
  }
  return { ...out, ...why.done() };
}
