/**
 * Metric judgement, after Argo Rollouts' assessMetricStatus: each check of a metric is pass,
 * fail or inconclusive with a reason. No reading, a null or non-finite value, too few samples
 * or a provider error is inconclusive — missing data is never a pass. A reading that carries
 * its counts is held to its bound with confidence (`judge.ts`); a canary with a baseline is
 * also compared with it (`compare.ts`). The limits that turn checks into a decision are in
 * `limits.ts`.
 */
import { type CompareMemory, compareWithBaseline, freshMemory } from './compare.js';
import { judgeMetric } from './judge.js';
import { type AnalysisPolicy, DEFAULT_POLICY } from './policy.js';
import type { Assessment, Measurement, Threshold, Verdict } from './thresholds.js';

export interface AssessOptions {
  policy?: AnalysisPolicy;
  /** The comparison state from the previous check of this analysis. */
  memory?: CompareMemory;
  /** When the readings were taken and over how long, so disjoint windows can be added up. */
  now?: number;
  windowMs?: number;
}

/**
 * Judges the latest measurement of each thresholded metric. Any fail fails; otherwise any
 * inconclusive is inconclusive; only a full set of usable readings passes.
 */
export function assess(
  measurements: readonly Measurement[],
  thresholds: readonly Threshold[],
  options: AssessOptions = {},
): Assessment {
  const policy = options.policy ?? DEFAULT_POLICY;
  const latest = new Map<string, Measurement>();
  for (const m of measurements) latest.set(m.metric, m);
  let memory = options.memory;
  const metrics = thresholds.map((t) => {
    const m = latest.get(t.metric);
    const usable = m !== undefined && m.error === undefined && m.value !== null;
    const counted = usable && m.evidence !== undefined;
    const look = counted ? (memory?.[t.metric]?.boundLooks ?? 0) + 1 : 1;
    if (counted)
      memory = { ...memory, [t.metric]: { ...(memory?.[t.metric] ?? freshMemory()), boundLooks: look } };
    const judged = judgeMetric(t, m, policy, look);
    if (!m || !usable || !policy.compare) return judged;
    const compared = compareWithBaseline(judged, m, policy, {
      memory,
      now: options.now,
      windowMs: options.windowMs,
    });
    memory = compared.memory;
    return compared.assessment;
  });
  const failed = metrics.filter((m) => m.verdict === 'fail');
  const unsure = metrics.filter((m) => m.verdict === 'inconclusive');
  const out = (verdict: Verdict, reasons: string[]): Assessment =>
    memory === undefined ? { verdict, reasons, metrics } : { verdict, reasons, metrics, memory };
  if (failed.length > 0)
    return out(
      'fail',
      failed.map((m) => m.reason),
    );
  if (unsure.length > 0)
    return out(
      'inconclusive',
      unsure.map((m) => m.reason),
    );
  return out('pass', metrics.length === 0 ? ['no thresholds to check'] : metrics.map((m) => m.reason));
}
