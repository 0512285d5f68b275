/**
 * One treatment arm against control on one metric, through the stats engine: rates by
 * `proportions` and `bayes`, means (and delta-method ratios) by Welch's `means` with a normal
 * posterior, both by one look of the mSPRT (`sequentialUpdate`). The sequential test is taken at
 * the current totals only: 1/Λₙ at any single look is itself an always-valid p-value (Ville's
 * inequality bounds the chance that it ever falls below α), so results need no history of looks.
 * With a pre-period covariate, `cupedComparison` adds the CUPED-adjusted lift beside the plain one.
 */
import {
  bayes,
  type CupedSums,
  criticalZ,
  cuped,
  cupedMoments,
  type Interval,
  means,
  proportions,
  sequentialStart,
  sequentialUpdate,
  twoSidedNormalP,
} from '../stats/index.js';
import type { ArmSummary } from './arm-stats.js';

export interface Comparison {
  arm: string;
  /** treatment − control, in the metric's unit. */
  absoluteLift: number | null;
  /** (treatment − control) / control. */
  relativeLift: number | null;
  /** 95 % interval of the absolute lift (fixed horizon). */
  ci: Interval | null;
  /** 95 % interval of the relative lift (delta method). */
  relativeCi: Interval | null;
  /** Fixed-horizon two-sided p-value (pooled z for rates, Welch t for means). */
  pValue: number | null;
  /** Always-valid p-value (mSPRT): safe to read at every look. */
  sequentialPValue: number | null;
  /** Confidence sequence of the absolute lift: covers the truth at every look at once. */
  sequentialCi: Interval | null;
  /** Holm-adjusted p-values within the comparison's family (filled by results.ts). */
  pValueAdjusted: number | null;
  sequentialPValueAdjusted: number | null;
  /** P(treatment is better than control), "better" as the metric's direction says. */
  chanceToBeatControl: number | null;
  /** Expected loss of choosing treatment if it is in fact worse, in the metric's unit. */
  expectedLoss: number | null;
  /** The CUPED-adjusted comparison; null when the experiment has no `cuped` pre-period. */
  cuped: CupedComparison | null;
  reason?: string;
}

/**
 * The lift with the pre-period covariate regressed out (fixed horizon, normal test). Not used by
 * the verdict, which reads the unadjusted always-valid p-value (see verdict.ts).
 */
export interface CupedComparison {
  /** Pooled within-arm slope of the metric on its pre-period value. */
  theta: number | null;
  /** Adjusted means: Ȳ − θ(X̄ − X̄ over both arms). */
  controlMean: number | null;
  treatmentMean: number | null;
  absoluteLift: number | null;
  relativeLift: number | null;
  ci: Interval | null;
  pValue: number | null;
  /** 1 − adjusted variance / unadjusted variance of the lift. */
  varianceReduction: number | null;
  reason?: string;
}

const CONFIDENCE = 0.95;

/** Φ(x) by the complementary error function, accurate in both tails. */
function normalCdf(x: number): number {
  const tail = twoSidedNormalP(x) / 2;
  return x >= 0 ? 1 - tail : tail;
}

const normalPdf = (x: number) => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);

/**
 * Compares `treatment` with `control`; `mde` (relative) sets the mSPRT's mixture variance
 * τ² = (mde · control value)², the effects the test is tuned to find.
 */
export function compare(
  arm: string,
  control: ArmSummary,
  treatment: ArmSummary,
  lowerIsBetter: boolean,
  mde: number,
): Comparison {
  const out: Comparison = {
    arm,
    absoluteLift: null,
    relativeLift: null,
    ci: null,
    relativeCi: null,
    pValue: null,
    sequentialPValue: null,
    sequentialCi: null,
    pValueAdjusted: null,
    sequentialPValueAdjusted: null,
    chanceToBeatControl: null,
    expectedLoss: null,
    cuped: null,
  };
  if (control.shape === 'proportion' && treatment.shape === 'proportion') {
    return compareRates(out, control, treatment, lowerIsBetter, mde);
  }
  if (control.shape === 'mean' && treatment.shape === 'mean') {
    return compareMeans(out, control, treatment, lowerIsBetter, mde);
  }
  return { ...out, reason: 'the arms are summarised differently' };
}

type Rate = Extract<ArmSummary, { shape: 'proportion' }>;
type Mean = Extract<ArmSummary, { shape: 'mean' }>;

function compareRates(out: Comparison, c: Rate, t: Rate, lowerIsBetter: boolean, mde: number): Comparison {
  if (c.users === 0 || t.users === 0) return { ...out, reason: 'an arm has no users yet' };
  const control = { users: c.users, conversions: c.conversions };
  const treatment = { users: t.users, conversions: t.conversions };
  const p = proportions({ control, treatment });
  const b = bayes({ control, treatment });
  const base = Math.max(p.controlRate ?? 0, 1 / c.users);
  const tau2 = (mde * base) ** 2;
  const s = sequentialUpdate(sequentialStart(), { control, treatment }, { metric: 'proportion', tau2 }).look;
  return {
    ...out,
    absoluteLift: p.absoluteLift,
    relativeLift: p.relativeLift,
    ci: p.ci,
    relativeCi: p.relativeCi,
    pValue: p.pValue,
    sequentialPValue: s.pValue,
    sequentialCi: s.ci,
    chanceToBeatControl: lowerIsBetter ? 1 - b.chanceToBeatControl : b.chanceToBeatControl,
    expectedLoss: lowerIsBetter ? b.expectedLossControl : b.expectedLoss,
    ...(p.reason ? { reason: p.reason } : {}),
  };
}

function compareMeans(out: Comparison, c: Mean, t: Mean, lowerIsBetter: boolean, mde: number): Comparison {
  if (c.mean === null || t.mean === null) return { ...out, reason: 'an arm has no values yet' };
  const absoluteLift = t.mean - c.mean;
  const relativeLift = c.mean !== 0 ? absoluteLift / c.mean : null;
  if (c.variance === null || t.variance === null || c.n < 2 || t.n < 2) {
    return { ...out, absoluteLift, relativeLift, reason: 'an arm has fewer than two values' };
  }
  const control = { n: c.n, mean: c.mean, variance: c.variance };
  const treatment = { n: t.n, mean: t.mean, variance: t.variance };
  const m = means({ control, treatment });
  if (!(m.se > 0)) return { ...out, absoluteLift, relativeLift, reason: m.reason ?? 'no variance' };
  const z = criticalZ(CONFIDENCE);
  const vc = c.variance / c.n;
  const vt = t.variance / t.n;
  const relativeCi: Interval | null =
    c.mean !== 0 && relativeLift !== null
      ? spread(relativeLift, z * Math.sqrt(vt / c.mean ** 2 + (t.mean ** 2 * vc) / c.mean ** 4))
      : null;
  // Normal posterior of the difference under a flat prior: N(d, se²).
  const d = lowerIsBetter ? -absoluteLift : absoluteLift;
  const chance = normalCdf(d / m.se);
  const loss = m.se * normalPdf(d / m.se) - d * normalCdf(-d / m.se);
  const scale = c.mean !== 0 ? Math.abs(c.mean) : Math.sqrt(c.variance);
  const tau2 = (mde * scale) ** 2;
  const s =
    tau2 > 0
      ? sequentialUpdate(sequentialStart(), { control, treatment }, { metric: 'mean', tau2 }).look
      : null;
  return {
    ...out,
    absoluteLift,
    relativeLift,
    ci: m.ci,
    relativeCi,
    pValue: m.pValue,
    sequentialPValue: s ? s.pValue : null,
    sequentialCi: s ? s.ci : null,
    chanceToBeatControl: chance,
    expectedLoss: Math.max(0, loss),
    ...(c.mean === 0 ? { reason: 'the control mean is 0, so the relative lift is undefined' } : {}),
  };
}

const spread = (center: number, half: number): Interval => [center - half, center + half];

const NO_CUPED: CupedComparison = {
  theta: null,
  controlMean: null,
  treatmentMean: null,
  absoluteLift: null,
  relativeLift: null,
  ci: null,
  pValue: null,
  varianceReduction: null,
};

/** CUPED of `treatment` against `control` from their sums (arm-stats.ts `cupedSums`). */
export function cupedComparison(
  control: { sums?: CupedSums; reason?: string },
  treatment: { sums?: CupedSums; reason?: string },
): CupedComparison {
  const why = control.reason ?? treatment.reason;
  if (why || !control.sums || !treatment.sums) return { ...NO_CUPED, reason: why ?? 'no covariate' };
  const c = cupedMoments(control.sums);
  const t = cupedMoments(treatment.sums);
  if (!c || !t) return { ...NO_CUPED, reason: 'an arm has fewer than two users' };
  let r: ReturnType<typeof cuped>;
  try {
    r = cuped({ control: c, treatment: t, confidence: CONFIDENCE });
  } catch (error) {
    // sums past the engine's range (|x| > 1e100): say so rather than fail the whole results
    return { ...NO_CUPED, reason: `CUPED cannot be computed: ${(error as Error).message}` };
  }
  const relativeLift =
    r.difference !== null && r.controlMean !== null && r.controlMean !== 0
      ? r.difference / r.controlMean
      : null;
  return {
    theta: r.theta,
    controlMean: r.controlMean,
    treatmentMean: r.treatmentMean,
    absoluteLift: r.difference,
    relativeLift,
    ci: r.ci,
    pValue: r.pValue,
    varianceReduction: r.varianceReduction,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
