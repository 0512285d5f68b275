/**
 * The statistical judge's second opinion: is the canary worse than its baseline? Beside the
 * plan's fixed bounds it compares the two versions over the same windows.
 *
 * - Rates (error, bounce): the normal-mixture sequential test (mSPRT, `@sluice/core/stats`)
 *   on the cumulative counts of both versions. Its p-value is valid however often it looks,
 *   so the judge may look at every pushed reading. τ is the plan's bound as a fraction (a
 *   1 % error-rate bound: regressions of about a point), fixed, so the mixture never depends
 *   on the data.
 * - Latency: Mann–Whitney U on the versions' histograms (same bins), cumulative. That test is
 *   fixed-horizon, so look k spends α·6/(π²k²) (the spends sum to α over any number of looks),
 *   and a shift must also be large enough to matter: P(canary slower) ≥ 0.56, Vargha and
 *   Delaney's "small" effect.
 *
 * Windows are added up only when they do not overlap the ones already counted (a re-measure
 * a minute into a ten-minute window adds nothing new); the memory is plain JSON.
 */
import {
  type Counts,
  mannWhitneyBuckets,
  type SequentialState,
  sequentialStart,
  sequentialUpdateUnchecked,
} from '../stats/index.js';
import type { AnalysisPolicy } from './policy.js';
import type { Measurement, MetricAssessment } from './thresholds.js';
import { formatCount, formatReading } from './units.js';

/** A shift in latency smaller than this probability of superiority is not worth a rollback. */
export const MIN_SUPERIORITY = 0.56;

export interface MetricMemory {
  /** End (epoch ms) of the last window added; null before any. */
  countedTo: number | null;
  version: Counts;
  baseline: Counts;
  sequential: SequentialState;
  histograms?: { version: number[]; baseline: number[] };
  /** Windows added up (the comparison's looks). */
  looks: number;
  /** Every check of the metric's bound, overlapping or not (spends the bound's α). */
  boundLooks?: number;
}
export type CompareMemory = Record<string, MetricMemory>;

interface Timing {
  memory: CompareMemory | undefined;
  now: number | undefined;
  windowMs: number | undefined;
}

export const freshMemory = (): MetricMemory => ({
  countedTo: null,
  version: { events: 0, total: 0 },
  baseline: { events: 0, total: 0 },
  sequential: sequentialStart(),
  looks: 0,
});
const add = (a: Counts, b: Counts): Counts => ({ events: a.events + b.events, total: a.total + b.total });
const n = formatCount;
const p = (x: number) => (x < 1e-4 ? x.toExponential(1) : String(Number(x.toPrecision(2))));

/** Whether this reading's window starts after the last one counted (a little slack for clocks). */
function isNew(previous: MetricMemory, t: Timing): boolean {
  if (t.now === undefined || t.windowMs === undefined || previous.countedTo === null) return true;
  const slack = Math.min(1000, t.windowMs * 0.05);
  return t.now - t.windowMs >= previous.countedTo - slack;
}

export function compareWithBaseline(
  judged: MetricAssessment,
  m: Measurement,
  policy: AnalysisPolicy,
  t: Timing,
): { assessment: MetricAssessment; memory: CompareMemory | undefined } {
  const e = m.evidence;
  const rate = e?.statistic === 'rate' && e.baseline ? { version: e.version, baseline: e.baseline } : null;
  const hist = m.histograms;
  if (!rate && !hist) return { assessment: judged, memory: t.memory };
  const previous = t.memory?.[m.metric] ?? freshMemory();
  if (!isNew(previous, t)) return { assessment: judged, memory: t.memory };
  const mem: MetricMemory = { ...previous, looks: previous.looks + 1 };
  if (t.now !== undefined) mem.countedTo = t.now;
  let verdict = judged;
  if (rate) verdict = compareRates(verdict, mem, rate, policy);
  if (hist) verdict = compareLatency(verdict, mem, hist, policy);
  return { assessment: verdict, memory: { ...t.memory, [m.metric]: mem } };
}

function compareRates(
  judged: MetricAssessment,
  mem: MetricMemory,
  counts: { version: Counts; baseline: Counts },
  policy: AnalysisPolicy,
): MetricAssessment {
  mem.version = add(mem.version, counts.version);
  mem.baseline = add(mem.baseline, counts.baseline);
  const bound = judged.threshold.max ?? judged.threshold.min;
  const tau = bound !== undefined && bound > 0 ? bound / 100 : 0.01;
  const r = sequentialUpdateUnchecked(
    mem.sequential,
    {
      control: { users: mem.baseline.total, conversions: mem.baseline.events },
      treatment: { users: mem.version.total, conversions: mem.version.events },
    },
    { metric: 'proportion', tau2: tau * tau, confidence: policy.confidence },
  );
  mem.sequential = r.state;
  const ci = r.look.ci;
  const higherIsWorse = judged.threshold.max !== undefined || judged.threshold.min === undefined;
  const enough = Math.min(mem.version.total, mem.baseline.total) >= judged.minSamples;
  const worse = enough && r.look.rejected && ci !== null && (higherIsWorse ? ci[0] > 0 : ci[1] < 0);
  const shown = (c: Counts) => formatReading(judged.metric, c.total ? (c.events / c.total) * 100 : 0);
  if (!worse) {
    if (judged.verdict !== 'pass') return judged;
    return {
      ...judged,
      reason: `${judged.reason}; no worse than the baseline (always-valid p = ${p(r.look.pValue)})`,
    };
  }
  if (judged.verdict === 'fail') return judged; // the bound already says why, in the plan's terms
  const points = (x: number) => `${x >= 0 ? '+' : ''}${Number((x * 100).toPrecision(2))}`;
  const side = higherIsWorse ? 'higher' : 'lower';
  return {
    ...judged,
    verdict: 'fail',
    decisive: true,
    reason:
      `${judged.metric} of the canary is ${side} than the baseline's: ${shown(mem.version)} of ${n(mem.version.total)} ` +
      `against ${shown(mem.baseline)} of ${n(mem.baseline.total)} (difference ${points(r.look.difference ?? 0)} points, ` +
      `${Math.round(policy.confidence * 100)}% confidence sequence ${points(ci[0])} to ${points(ci[1])}; ` +
      `sequential test, always-valid p = ${p(r.look.pValue)} ≤ ${p(1 - policy.confidence)})`,
  };
}

function compareLatency(
  judged: MetricAssessment,
  mem: MetricMemory,
  hist: { version: number[]; baseline: number[] },
  policy: AnalysisPolicy,
): MetricAssessment {
  if (hist.version.length !== hist.baseline.length) return judged;
  const sum = (a: number[], b: number[] | undefined) => a.map((x, i) => x + (b?.[i] ?? 0));
  const same = mem.histograms && mem.histograms.version.length === hist.version.length;
  mem.histograms = {
    version: sum(hist.version, same ? mem.histograms?.version : undefined),
    baseline: sum(hist.baseline, same ? mem.histograms?.baseline : undefined),
  };
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const nv = total(mem.histograms.version);
  const nb = total(mem.histograms.baseline);
  if (nv < judged.minSamples || nb < judged.minSamples) return judged;
  const r = mannWhitneyBuckets({ control: mem.histograms.baseline, treatment: mem.histograms.version });
  const spend = ((1 - policy.confidence) * 6) / (Math.PI * Math.PI * mem.looks * mem.looks);
  const superiority = r.probabilityOfSuperiority ?? 0.5;
  if (r.pValue === null || r.z === null || r.pValue > spend || r.z <= 0 || superiority < MIN_SUPERIORITY) {
    return judged;
  }
  return {
    ...judged,
    verdict: 'fail',
    reason:
      `${judged.metric}: the canary is slower than the baseline (Mann–Whitney on ${n(nv)} and ${n(nb)} requests: ` +
      `P(canary slower) = ${superiority.toFixed(2)}, p = ${p(r.pValue)} ≤ ${p(spend)} at look ${mem.looks})`,
  };
}
