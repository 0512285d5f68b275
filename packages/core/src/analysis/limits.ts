/**
 * From checks to a decision, after Argo Rollouts' assessMetricStatus: each metric keeps its
 * count of failed and inconclusive checks and of provider errors in a row, and
 *
 * - failed > failure_limit → the analysis fails;
 * - provider errors in a row > consecutive_error_limit → the analysis fails;
 * - inconclusive > inconclusive_limit → `on_inconclusive` (pause for a person, or fail);
 * - every metric passed this check → the analysis passes;
 * - otherwise measure again; at the step's deadline what is still inconclusive goes to
 *   `on_inconclusive`, and a failure within the limit that never turned into a pass fails.
 */

import type { AnalysisPolicy } from './policy.js';
import type { Assessment } from './thresholds.js';

export interface Tally {
  failed: number;
  inconclusive: number;
  /** Provider errors in a row (reset by any answer). */
  errorsInARow: number;
}
export type Tallies = Record<string, Tally>;

export type Decision =
  | { type: 'pass'; reason: string }
  | { type: 'fail'; reason: string; decisive: boolean; limit: string }
  | { type: 'pause'; reason: string; limit: string }
  | { type: 'retry'; reason: string };

const zero: Tally = { failed: 0, inconclusive: 0, errorsInARow: 0 };
const times = (k: number) => (k === 1 ? 'once' : `${k} times`);

/** Adds one check's verdicts to the tallies. */
export function tally(before: Tallies, a: Assessment): Tallies {
  const out: Tallies = { ...before };
  for (const m of a.metrics) {
    const t = { ...(out[m.metric] ?? zero) };
    if (m.providerFailed) t.errorsInARow += 1;
    else {
      t.errorsInARow = 0;
      if (m.verdict === 'fail') t.failed += 1;
      if (m.verdict === 'inconclusive') t.inconclusive += 1;
    }
    out[m.metric] = t;
  }
  return out;
}

/**
 * The analysis' decision after a check, given the tallies including it. `pastDeadline`: the
 * step may not measure again.
 */
export function decide(
  tallies: Tallies,
  a: Assessment,
  policy: AnalysisPolicy,
  pastDeadline: boolean,
): Decision {
  const summary = a.reasons.join('; ');
  for (const m of a.metrics) {
    const t = tallies[m.metric] ?? zero;
    if (m.verdict === 'fail' && t.failed > policy.failure_limit) {
      const limit = `failure_limit ${policy.failure_limit}`;
      const counted = policy.failure_limit === 0 ? '' : ` (failed ${times(t.failed)}, more than ${limit})`;
      return { type: 'fail', reason: `${m.reason}${counted}`, decisive: m.decisive === true, limit };
    }
    if (t.errorsInARow > policy.consecutive_error_limit) {
      const limit = `consecutive_error_limit ${policy.consecutive_error_limit}`;
      return {
        type: 'fail',
        reason: `${m.metric}: the provider failed ${times(t.errorsInARow)} in a row, more than ${limit}: ${m.reason}`,
        decisive: false,
        limit,
      };
    }
  }
  if (policy.inconclusive_limit !== undefined) {
    for (const m of a.metrics) {
      const t = tallies[m.metric] ?? zero;
      if (m.verdict === 'inconclusive' && t.inconclusive > policy.inconclusive_limit) {
        const limit = `inconclusive_limit ${policy.inconclusive_limit}`;
        return onInconclusive(
          policy,
          `${m.metric} inconclusive ${times(t.inconclusive)}, more than ${limit}: ${m.reason}`,
          limit,
        );
      }
    }
  }
  if (a.verdict === 'pass') return { type: 'pass', reason: summary };
  if (!pastDeadline) return { type: 'retry', reason: summary };
  if (a.verdict === 'fail') {
    return {
      type: 'fail',
      reason: `no passing check before the step's deadline: ${summary}`,
      decisive: false,
      limit: 'deadline',
    };
  }
  return onInconclusive(policy, `inconclusive until the step's deadline: ${summary}`, 'deadline');
}

function onInconclusive(policy: AnalysisPolicy, reason: string, limit: string): Decision {
  return policy.on_inconclusive === 'pause'
    ? { type: 'pause', reason, limit }
    : { type: 'fail', reason, decisive: false, limit };
}
