/**
 * The verdict: ship arm X, stop, or keep running — always with the reason. Decisions read the
 * always-valid (sequential) p-values, Holm-adjusted, so a verdict read every day keeps its error
 * rate. The CUPED-adjusted comparison is shown beside but never decides: its test is fixed-horizon
 * (valid at one look only), so deciding on it would lose the guarantee of looking every day. In
 * order:
 *
 * 1. A sample ratio mismatch voids the results: stop and find the cause.
 * 2. Before `duration_days` have passed and every arm has `min_sample_size` users: keep running.
 * 3. Ship the arm that beats control on the primary metric and harms no secondary metric
 *    (the one most likely to beat control when several do).
 * 4. Stop when every arm is worse than control on the primary metric, or when the confidence
 *    sequence of every arm rules out an effect as large as the minimum detectable one.
 * 5. Otherwise keep running.
 */
import type { Comparison } from './compare.js';
import type { ExperimentResults, MetricResult } from './results.js';

export type Decision = 'ship' | 'stop' | 'keep_running';

export interface Verdict {
  decision: Decision;
  /** The arm to ship (`decision: 'ship'`). */
  arm?: string;
  reason: string;
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const num = (x: number) => x.toLocaleString('en-US');

/** Significant (adjusted always-valid p below α) and on the better side for the metric. */
function better(c: Comparison, m: MetricResult, alpha: number): boolean {
  const p = c.sequentialPValueAdjusted;
  if (p === null || p >= alpha || c.absoluteLift === null) return false;
  return m.lowerIsBetter ? c.absoluteLift < 0 : c.absoluteLift > 0;
}

function worse(c: Comparison, m: MetricResult, alpha: number): boolean {
  const p = c.sequentialPValueAdjusted;
  if (p === null || p >= alpha || c.absoluteLift === null) return false;
  return m.lowerIsBetter ? c.absoluteLift > 0 : c.absoluteLift < 0;
}

export function decide(r: Omit<ExperimentResults, 'verdict'>, alpha: number): Verdict {
  if (r.srm.mismatch) {
    const seen = r.arms.map((a) => `${a.arm} ${num(a.users)}`).join(', ');
    const expected = r.srm.expectedCounts.map((e) => num(Math.round(e))).join(', ');
    return {
      decision: 'stop',
      reason:
        `sample ratio mismatch (p = ${r.srm.pValue?.toExponential(2) ?? '—'}${r.srm.reason ? `; ${r.srm.reason}` : ''}): ` +
        `users per arm ${seen}, expected ${expected} from the split. The results are void: ` +
        'assignment or exposure logging is broken; find the cause before trusting any number here',
    };
  }
  if (r.status === 'draft' || r.startedAt === null) {
    return { decision: 'keep_running', reason: 'the experiment has not started' };
  }
  const waiting: string[] = [];
  if (r.daysRunning < r.durationDays) {
    waiting.push(`${r.daysRunning.toFixed(1)} of ${r.durationDays} days have passed`);
  }
  if (r.sampleSize.smallestArm < r.sampleSize.minimumPerArm) {
    waiting.push(
      `the smallest arm has ${num(r.sampleSize.smallestArm)} of ${num(r.sampleSize.minimumPerArm)} users (min_sample_size)`,
    );
  }
  if (waiting.length) return { decision: 'keep_running', reason: waiting.join('; ') };

  const [primary, ...secondary] = r.metrics as [MetricResult, ...MetricResult[]];
  const harms = (arm: string) =>
    secondary.flatMap((m) =>
      m.comparisons.filter((c) => c.arm === arm && worse(c, m, alpha)).map(() => m.name),
    );
  const winners = primary.comparisons.filter((c) => better(c, primary, alpha));
  const clean = winners.filter((c) => harms(c.arm).length === 0);
  if (clean.length) {
    const best = [...clean].sort((a, b) => (b.chanceToBeatControl ?? 0) - (a.chanceToBeatControl ?? 0))[0]!;
    return {
      decision: 'ship',
      arm: best.arm,
      reason:
        `${best.arm} beats control on ${primary.name}: ${pct(best.relativeLift)} relative ` +
        `(95 % CI ${pct(best.relativeCi?.[0] ?? null)} to ${pct(best.relativeCi?.[1] ?? null)}), ` +
        `always-valid p = ${best.sequentialPValueAdjusted?.toExponential(2)} (Holm), ` +
        `chance to beat control ${pct(best.chanceToBeatControl)}, expected loss ${best.expectedLoss?.toPrecision(3)}; ` +
        `no secondary metric is worse`,
    };
  }
  const harmed = winners.map((c) => `${c.arm} improves ${primary.name} but harms ${harms(c.arm).join(', ')}`);
  const losers = primary.comparisons.filter((c) => worse(c, primary, alpha));
  if (primary.comparisons.length > 0 && losers.length === primary.comparisons.length) {
    return {
      decision: 'stop',
      reason: `every arm is worse than control on ${primary.name}: keep control`,
    };
  }
  const mdeBound = flatOutcome(primary, r.sampleSize.minimumDetectableEffect);
  if (mdeBound !== null && harmed.length === 0) {
    return {
      decision: 'stop',
      reason: `no arm moves ${primary.name} by ${pct(r.sampleSize.minimumDetectableEffect)} or more: every arm's confidence sequence lies within ±${mdeBound.toPrecision(3)} of control`,
    };
  }
  const best = [...primary.comparisons].sort(
    (a, b) => (b.chanceToBeatControl ?? 0) - (a.chanceToBeatControl ?? 0),
  )[0];
  const leader = best
    ? `; leading: ${best.arm} ${pct(best.relativeLift)} relative, always-valid p = ${best.sequentialPValueAdjusted?.toPrecision(3) ?? '—'}`
    : '';
  const needed = r.sampleSize.neededPerArm;
  const progress =
    needed !== null
      ? `; ${num(r.sampleSize.smallestArm)} of about ${num(needed)} users per arm for 80 % power`
      : '';
  return {
    decision: 'keep_running',
    reason: `${harmed.length ? `${harmed.join('; ')}; ` : ''}no arm is significantly better on ${primary.name} yet${leader}${progress}`,
  };
}

/**
 * The absolute MDE bound when every arm's confidence sequence lies inside ±(mde × control),
 * i.e. an effect of the minimum detectable size is ruled out for every arm; else null.
 */
function flatOutcome(primary: MetricResult, mde: number): number | null {
  const control = primary.arms[0]?.value;
  if (control === null || control === undefined || control === 0) return null;
  const bound = Math.abs(mde * control);
  const flat = primary.comparisons.every(
    (c) => c.sequentialCi !== null && c.sequentialCi[0] > -bound && c.sequentialCi[1] < bound,
  );
  return primary.comparisons.length > 0 && flat ? bound : null;
}
