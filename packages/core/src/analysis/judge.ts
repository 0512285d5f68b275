/**
 * One metric's check against its bound. Unusable readings are inconclusive. A bare value is
 * held to its bound as Argo Rollouts does. A reading that carries its counts is held to its
 * bound with confidence, asymmetrically, because the two mistakes cost differently:
 *
 * - **fail** only when the reading is past the bound with the policy's confidence — for a
 *   rate by the exact one-sided binomial test against the bound (Wilson's interval, shown to
 *   people, under-covers at a few requests), for a relative drop when its whole interval lies
 *   past the bound — a decisive failure;
 * - **pass** when the estimate is within the bound and the reading has its minimum samples;
 * - **inconclusive** when the estimate is past the bound but the interval still reaches back
 *   over it: too close to call on this much data, so measure again rather than roll back.
 *
 * A plain ratio of two small-sample rates crosses a 5 % bound by chance alone about a third
 * of the time; held to its interval it fails only when the drop is real.
 *
 * The same metric is checked again and again (every interval, or at every pushed reading), so
 * look k of a stage spends α·6/(π²k²) of the policy's α = 1 − confidence: the chance of any
 * false failure over all looks stays below α, however many there are.
 */
import { binomialUpperTail, rateRatioInterval, wilsonInterval } from '../stats/index.js';
import type { AnalysisPolicy } from './policy.js';
import type { Measurement, MetricAssessment, Threshold } from './thresholds.js';
import { formatCount, formatReading } from './units.js';

const pct = (x: number) => `${Number((x * 100).toPrecision(x > 0.999 ? 5 : 3))}%`;

/** The confidence of look k (1-based) when a stage's α is spread over all its looks. */
export function spentConfidence(confidence: number, look: number): number {
  const k = Math.max(1, look);
  return 1 - ((1 - confidence) * 6) / (Math.PI * Math.PI * k * k);
}

/** The value's interval at `confidence`, in the value's own unit (percent), when counts allow. */
function intervalOf(m: Measurement, confidence: number): [number, number] | null {
  const e = m.evidence;
  if (!e) return null;
  if (e.statistic === 'rate') {
    const ci = wilsonInterval(e.version, confidence);
    return ci && [ci[0] * 100, ci[1] * 100];
  }
  if (!e.baseline) return null;
  const ratio = rateRatioInterval(e.version, e.baseline, confidence);
  // drop = (1 − version/baseline)·100: the ratio's upper end is the drop's lower end
  return ratio && [(1 - ratio[1]) * 100, (1 - ratio[0]) * 100];
}

function countsText(m: Measurement): string {
  const e = m.evidence;
  if (!e) return '';
  const n = formatCount;
  if (e.statistic === 'rate' || !e.baseline) return ` (${n(e.version.events)} of ${n(e.version.total)})`;
  return ` (${n(e.version.events)} of ${n(e.version.total)} against the baseline's ${n(e.baseline.events)} of ${n(e.baseline.total)})`;
}

export function judgeMetric(
  t: Threshold,
  m: Measurement | undefined,
  policy: AnalysisPolicy,
  look = 1,
): MetricAssessment {
  const minSamples = Math.max(1, t.minSamples);
  const threshold: MetricAssessment['threshold'] = {};
  if (t.min !== undefined) threshold.min = t.min;
  if (t.max !== undefined) threshold.max = t.max;
  const base = {
    metric: t.metric,
    value: m?.value ?? null,
    threshold,
    samples: m?.sampleCount ?? 0,
    minSamples,
  };
  const unsure = (reason: string): MetricAssessment => ({
    ...base,
    value: null,
    verdict: 'inconclusive',
    reason: `${t.metric}: ${reason}`,
    ...(m?.providerFailed ? { providerFailed: true } : {}),
  });
  if (!m) return unsure('no measurement');
  if (m.error !== undefined) return unsure(m.error);
  if (m.value === null || !Number.isFinite(m.value)) return unsure('no value');
  if (m.sampleCount < minSamples) return unsure(`${m.sampleCount} samples, need ${minSamples}`);

  const value = m.value;
  const shown = (v: number) => formatReading(t.metric, v);
  const confidence = spentConfidence(policy.confidence, look);
  const ci = intervalOf(m, confidence);
  const level = pct(confidence);
  const ciText = ci ? `; ${level} interval ${shown(ci[0])} to ${shown(ci[1])}` : '';
  const reading = `${t.metric} = ${shown(value)}${countsText(m)}${m.note ? ` (${m.note})` : ''}`;
  const withCi = (reason: string) => (ci ? { interval: ci, reason } : { reason });
  const breach =
    t.max !== undefined && value > t.max
      ? { side: 'above', bound: t.max, sure: ci ? ci[0] > t.max : true }
      : t.min !== undefined && value < t.min
        ? { side: 'below', bound: t.min, sure: ci ? ci[1] < t.min : true }
        : null;
  const e = m.evidence;
  let exact = '';
  if (breach && e?.statistic === 'rate') {
    // one-sided exact test: how likely this many events (or this few) if the rate sat on the bound
    const { events, total } = e.version;
    const tail =
      breach.side === 'above'
        ? binomialUpperTail(events, total, breach.bound / 100)
        : binomialUpperTail(total - events, total, 1 - breach.bound / 100);
    breach.sure = tail <= (1 - confidence) / 2;
    exact = `; exact binomial test against ${shown(breach.bound)}: p = ${tail < 1e-4 ? tail.toExponential(1) : Number(tail.toPrecision(2))}`;
  }
  if (!breach) {
    const within = [
      t.min !== undefined ? `at least ${shown(t.min)}` : '',
      t.max !== undefined ? `at most ${shown(t.max)}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      ...base,
      verdict: 'pass',
      ...withCi(`${reading} is within ${within || 'range'}${ci ? ` (${ciText.slice(2)})` : ''}`),
    };
  }
  if (breach.sure) {
    const how = ci ? ` with ${level} confidence${ciText}${exact}` : '';
    return {
      ...base,
      verdict: 'fail',
      decisive: true,
      ...withCi(`${reading} is ${breach.side} ${shown(breach.bound)}${how}`),
    };
  }
  return {
    ...base,
    verdict: 'inconclusive',
    ...withCi(
      `${reading} is ${breach.side} ${shown(breach.bound)}, but not with ${level} confidence${ciText}${exact}: too close to call, measuring more`,
    ),
  };
}
