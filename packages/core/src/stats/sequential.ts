/**
 * `sequential`: always-valid inference by the normal-mixture sequential probability ratio test
 * (mSPRT; Johari, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests",
 * Operations Research 70(3), 2022, §3 and §4.1). With θ̂ the difference of the arms, V its variance
 * (plug-in: p(1−p)/n per arm for rates, s²/n for means) and a N(0, τ²) mixture over the effect,
 *
 *   Λ = √(V / (V + τ²)) · exp(τ²·θ̂² / (2V(V + τ²)))
 *
 * and the always-valid p-value is p_n = min(1, p_{n−1}, 1/Λ_n): looking after every user keeps the
 * false-positive rate at or below α. Inverting Λ ≥ 1/α gives the confidence sequence
 *
 *   θ̂ ± √( V(V + τ²)/τ² · (ln((V + τ²)/V) − 2 ln α) )
 *
 * intersected over looks, so it only narrows, as the p-value only falls (0 leaves the interval
 * exactly when p ≤ α). τ² is the variance of the effects you expect, on the difference's scale
 * (rates: (0.01)² for effects of about one point).
 *
 * `sequentialStart` / `sequentialUpdate` are the same test one look at a time (state in, state
 * out, JSON-safe), for a caller that looks as data arrives, such as the canary judge.
 */
import { z } from 'zod';
import {
  confidence,
  DEFAULT_CONFIDENCE,
  interval,
  meanArm,
  nullableNumber,
  parseInput,
  positiveReal,
  proportionArm,
  Reasons,
  reason,
} from './common.js';
import type { Interval } from './distributions.js';

const tau2 = positiveReal.describe('mixture variance τ² of the effect (difference scale)');
const proportionSnapshot = z.strictObject({ control: proportionArm, treatment: proportionArm });
const meanSnapshot = z.strictObject({ control: meanArm, treatment: meanArm });

export const sequentialOptions = z.discriminatedUnion('metric', [
  z.strictObject({ metric: z.literal('proportion'), tau2, confidence }),
  z.strictObject({ metric: z.literal('mean'), tau2, confidence }),
]);
export type SequentialOptions = z.input<typeof sequentialOptions>;

export const sequentialInput = z
  .discriminatedUnion('metric', [
    z.strictObject({
      metric: z.literal('proportion'),
      tau2,
      confidence,
      snapshots: z
        .array(proportionSnapshot)
        .min(1, 'needs at least one snapshot')
        .describe('cumulative totals'),
    }),
    z.strictObject({
      metric: z.literal('mean'),
      tau2,
      confidence,
      snapshots: z.array(meanSnapshot).min(1, 'needs at least one snapshot').describe('cumulative totals'),
    }),
  ])
  .superRefine((v, ctx) => {
    // Snapshots are running totals: a count that falls means the input is out of order.
    const keys = v.metric === 'proportion' ? ['users', 'conversions'] : ['n'];
    v.snapshots.forEach((s, i) => {
      const prev = v.snapshots[i - 1];
      if (!prev) return;
      for (const arm of ['control', 'treatment'] as const) {
        for (const key of keys) {
          const now = (s[arm] as Record<string, number>)[key] ?? 0;
          const before = (prev[arm] as Record<string, number>)[key] ?? 0;
          if (now < before) {
            ctx.addIssue({
              code: 'custom',
              path: ['snapshots', i, arm, key],
              message: `is below the previous snapshot's ${before}; snapshots are cumulative`,
            });
          }
        }
      }
    });
  });
export type SequentialInput = z.input<typeof sequentialInput>;

export const sequentialLook = z.object({
  /** treatment − control at this look */
  difference: nullableNumber,
  /** always-valid p-value; never increases from one look to the next (1 before any information) */
  pValue: z.number(),
  /** confidence sequence at this look: the intersection of every look's interval so far */
  ci: interval.nullable(),
  /** pValue ≤ 1 − confidence */
  rejected: z.boolean(),
  reason,
});
export type SequentialLook = z.infer<typeof sequentialLook>;

export const sequentialResult = z.object({ snapshots: z.array(sequentialLook) });
export type SequentialResult = z.infer<typeof sequentialResult>;

/** What one look carries to the next; store it as JSON between looks. */
export const sequentialState = z.strictObject({
  looks: z.int().nonnegative(),
  pValue: z.number().min(0).max(1),
  /** null: no informative look yet, or the sequence became empty (then `empty` is true) */
  ci: interval.nullable(),
  empty: z.boolean(),
});
export type SequentialState = z.infer<typeof sequentialState>;

/** The state before the first look. */
export function sequentialStart(): SequentialState {
  return { looks: 0, pValue: 1, ci: null, empty: false };
}

type Snapshot = z.infer<typeof proportionSnapshot> | z.infer<typeof meanSnapshot>;

/** θ̂ and V for one snapshot, or why they are undefined. */
function estimate(
  metric: 'proportion' | 'mean',
  s: Snapshot,
): { difference: number; variance: number } | string {
  if (metric === 'mean') {
    const c = s.control as z.infer<typeof meanArm>;
    const t = s.treatment as z.infer<typeof meanArm>;
    return { difference: t.mean - c.mean, variance: c.variance / c.n + t.variance / t.n };
  }
  const c = s.control as z.infer<typeof proportionArm>;
  const t = s.treatment as z.infer<typeof proportionArm>;
  if (c.users === 0 || t.users === 0) return 'an arm has no users yet';
  const pc = c.conversions / c.users;
  const pt = t.conversions / t.users;
  return { difference: pt - pc, variance: (pc * (1 - pc)) / c.users + (pt * (1 - pt)) / t.users };
}

function step(
  state: SequentialState,
  metric: 'proportion' | 'mean',
  snapshot: Snapshot,
  tau2: number,
  level: number,
): { state: SequentialState; look: SequentialLook } {
  const alpha = 1 - level;
  const why = new Reasons();
  const next: SequentialState = { ...state, looks: state.looks + 1 };
  const est = estimate(metric, snapshot);
  const difference = typeof est === 'string' ? why.add(est) : est.difference;
  if (typeof est !== 'string' && !(est.variance > 0)) {
    why.add(
      'the difference has no variance yet (rates of 0 or 1, or variances of 0): this look adds nothing',
    );
  } else if (typeof est !== 'string') {
    const v = est.variance;
    const theta = est.difference;
    // Written in V/τ² so that no intermediate overflows for any finite V, τ², θ̂.
    const ratio = v / tau2;
    const spread = ratio >= 1 ? Math.log1p(tau2 / v) : Math.log(tau2) - Math.log(v) + Math.log1p(ratio); // ln((V+τ²)/V)
    const logLambda = -spread / 2 + (theta * theta) / v / (2 * (1 + ratio));
    next.pValue = Math.min(state.pValue, Math.exp(-logLambda), 1);
    const half = Math.sqrt(v * (1 + ratio) * (spread - 2 * Math.log(alpha)));
    if (!Number.isFinite(half)) why.add("this look's interval is too wide to represent");
    else if (!state.empty) {
      const lo = Math.max(theta - half, state.ci?.[0] ?? Number.NEGATIVE_INFINITY);
      const hi = Math.min(theta + half, state.ci?.[1] ?? Number.POSITIVE_INFINITY);
      if (lo <= hi) next.ci = [lo, hi] as Interval;
      else {
        next.ci = null;
        next.empty = true;
      }
    }
  }
  if (next.empty)
    why.add('the confidence sequence is empty: the looks disagree more than a fixed effect allows');
  else if (next.ci === null) why.add('no look so far had the information for an interval');
  const look = {
    difference,
    pValue: next.pValue,
    ci: next.ci,
    rejected: next.pValue <= alpha,
    ...why.done(),
  };
  return { state: next, look };
}

/**
 * One look of the mSPRT: the cumulative totals so far in, the updated state and this look's
 * result out. Pure: the same state and snapshot always give the same answer.
 * @example
 * let state = sequentialStart();
 * for (const snapshot of totalsSoFar) {
 *   const r = sequentialUpdate(state, snapshot, { metric: 'proportion', tau2: 1e-4 });
 *   state = r.state;
 *   if (r.look.rejected && (r.look.ci?.[0] ?? 0) > 0) rollBack(); // treatment's rate is higher
 * }
 */
export function sequentialUpdate(
  state: SequentialState,
  snapshot: Snapshot,
  options: SequentialOptions,
): { state: SequentialState; look: SequentialLook } {
  const o = parseInput('sequential', sequentialOptions, options);
  const s = parseInput('sequential', sequentialState, state);
  const snap = parseInput(
    'sequential',
    o.metric === 'proportion' ? proportionSnapshot : meanSnapshot,
    snapshot,
  );
  return step(s, o.metric, snap, o.tau2, o.confidence ?? DEFAULT_CONFIDENCE);
}

/**
 * Always-valid p-values and confidence sequence over cumulative snapshots.
 * @example
 * sequential({ metric: 'proportion', tau2: 1e-4, snapshots: [
 *   { control: { users: 1000, conversions: 100 }, treatment: { users: 1000, conversions: 130 } },
 *   { control: { users: 2000, conversions: 200 }, treatment: { users: 2000, conversions: 262 } },
 * ] })
 * // → { snapshots: [{ difference: 0.03, pValue: …, ci: […], rejected: false }, …] }
 */
export function sequential(input: SequentialInput): SequentialResult {
  const v = parseInput('sequential', sequentialInput, input);
  const level = v.confidence ?? DEFAULT_CONFIDENCE;
  let state = sequentialStart();
  const snapshots: SequentialLook[] = [];
  for (const snapshot of v.snapshots) {
    const r = step(state, v.metric, snapshot, v.tau2, level);
    state = r.state;
    snapshots.push(r.look);
  }
  return { snapshots };
}

/**
 * `sequentialUpdate` without validating its input, for a caller that built the state and the
 * totals itself and looks very often (the canary judge looks at every pushed reading). Valid
 * input gives exactly `sequentialUpdate`'s answer; anything else is undefined behaviour.
 * @example
 * const r = sequentialUpdateUnchecked(state, totals, { metric: 'proportion', tau2: 2.5e-5 });
 */
export function sequentialUpdateUnchecked(
  state: SequentialState,
  snapshot: Snapshot,
  options: SequentialOptions,
): { state: SequentialState; look: SequentialLook } {
  return step(state, options.metric, snapshot, options.tau2, options.confidence ?? DEFAULT_CONFIDENCE);
}
