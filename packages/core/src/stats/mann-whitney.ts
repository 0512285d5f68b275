/**
 * Mann–Whitney U test (Wilcoxon rank-sum), for the canary judge's latency check: do the canary's
 * values tend to be larger than the baseline's? Two-sided. Ties get midranks; the normal
 * approximation uses the tie-corrected variance
 *
 *   σ² = n_C·n_T/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1)))
 *
 * and a continuity correction of ½ toward the mean (Hollander & Wolfe, "Nonparametric Statistical
 * Methods", §4.1; scipy's `mannwhitneyu(..., use_continuity=True)`). Without ties and with both
 * samples under 50 values, `auto` gives the exact distribution instead, as R's `wilcox.test` does.
 *
 * `mannWhitneyBuckets` runs the same test on two histograms with the same bucket bounds (e.g.
 * Prometheus latency histograms): every value in a bucket is one tied group, so only the bucket
 * counts matter.
 */
import { z } from 'zod';
import { count, invalid, nullableNumber, parseInput, Reasons, reason } from './common.js';
import { twoSidedNormalP } from './distributions.js';

/** Largest n_C·n_T for which the exact distribution is offered (R's 49 × 49; a few ms). */
const EXACT_MAX_PAIRS = 2_500;
const sample = z
  .array(z.number())
  .min(1, 'needs at least one value')
  .max(1_000_000, 'at most 1,000,000 values');

export const mannWhitneyInput = z.strictObject({
  control: sample,
  treatment: sample,
  method: z
    .enum(['auto', 'exact', 'asymptotic'])
    .optional()
    .describe('auto (default): exact without ties when both samples have fewer than 50 values'),
});
export type MannWhitneyInput = z.input<typeof mannWhitneyInput>;

const bucketCounts = z.array(count).min(1, 'needs at least one bucket');
export const mannWhitneyBucketsInput = z
  .strictObject({
    control: bucketCounts.describe('count per bucket, buckets in ascending order of their bounds'),
    treatment: bucketCounts,
    cumulative: z
      .boolean()
      .optional()
      .describe('counts are cumulative (Prometheus `le` buckets); default false'),
  })
  .superRefine((v, ctx) => {
    if (v.control.length !== v.treatment.length) {
      ctx.addIssue({ code: 'custom', path: ['treatment'], message: 'must have as many buckets as control' });
    }
    if (!v.cumulative) return;
    for (const arm of ['control', 'treatment'] as const) {
      v[arm].forEach((n, i) => {
        if (i > 0 && n < (v[arm][i - 1] ?? 0)) {
          ctx.addIssue({ code: 'custom', path: [arm, i], message: 'cumulative counts must not decrease' });
        }
      });
    }
  });
export type MannWhitneyBucketsInput = z.input<typeof mannWhitneyBucketsInput>;

export const mannWhitneyResult = z.object({
  /** U of treatment: pairs (treatment, control) with treatment larger, ties counting ½ */
  u: nullableNumber,
  /** u / (n_C·n_T): P(treatment > control) + ½·P(equal); 0.5 means no shift */
  probabilityOfSuperiority: nullableNumber,
  /** normal score (continuity-corrected), positive when treatment tends larger; null when exact */
  z: nullableNumber,
  pValue: nullableNumber,
  method: z.enum(['exact', 'asymptotic']),
  reason,
});
export type MannWhitneyResult = z.infer<typeof mannWhitneyResult>;

/** Tied groups in ascending order: how many control and treatment values share each value. */
interface Groups {
  control: ArrayLike<number>;
  treatment: ArrayLike<number>;
}

function asymptotic(g: Groups): MannWhitneyResult {
  const why = new Reasons();
  let nC = 0;
  let nT = 0;
  let u = 0;
  let ties = 0;
  for (let j = 0; j < g.control.length; j++) {
    const c = g.control[j] ?? 0;
    const t = g.treatment[j] ?? 0;
    u += t * (nC + c / 2); // each treatment value here beats every control value below, ties ½
    nC += c;
    nT += t;
    const m = c + t;
    ties += m * m * m - m;
  }
  const out: MannWhitneyResult = {
    u: null,
    probabilityOfSuperiority: null,
    z: null,
    pValue: null,
    method: 'asymptotic',
  };
  if (nC === 0 || nT === 0) {
    why.add('an arm has no values yet');
    return { ...out, ...why.done() };
  }
  const n = nC + nT;
  const variance = ((nC * nT) / 12) * (n + 1 - ties / (n * (n - 1)));
  out.u = u;
  out.probabilityOfSuperiority = u / (nC * nT);
  if (!(variance > 0)) {
    why.add('every value is the same, so there is nothing to rank');
    return { ...out, ...why.done() };
  }
  const shift = u - (nC * nT) / 2;
  out.z = (Math.sign(shift) * Math.max(Math.abs(shift) - 0.5, 0)) / Math.sqrt(variance);
  out.pValue = twoSidedNormalP(out.z);
  return out;
}

/** P(U = u) for u = 0..a·b, sizes a and b, no ties: U's null distribution by the largest value. */
function exactDistribution(a: number, b: number): Float64Array {
  // Outer loop over the larger size keeps each layer O(small²).
  const [outer, inner] = a >= b ? [a, b] : [b, a];
  // prev[j] = distribution for sizes (i − 1, j); cur[j] for (i, j).
  let prev: Float64Array[] = Array.from({ length: inner + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= outer; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= inner; j++) {
      const d = new Float64Array(i * j + 1);
      const fromOuter = prev[j] as Float64Array; // largest value is from the outer sample: it beats all j
      const fromInner = cur[j - 1] as Float64Array; // largest value is from the inner sample
      const wOuter = i / (i + j);
      const wInner = j / (i + j);
      for (let u = 0; u < fromOuter.length; u++) d[u + j] = wOuter * fromOuter[u]!;
      for (let u = 0; u < fromInner.length; u++) d[u]! += wInner * fromInner[u]!;
      cur.push(d);
    }
    prev = cur;
  }
  return prev[inner] as Float64Array;
}

/**
 * The null distribution depends only on the two sizes, and a judge asks again and again with the
 * same ones: keep the last few. (A cache of a pure function: answers are the same with or without.)
 */
const distributions = new Map<string, Float64Array>();
function cachedDistribution(a: number, b: number): Float64Array {
  const key = a <= b ? `${a}x${b}` : `${b}x${a}`;
  let dist = distributions.get(key);
  if (!dist) {
    dist = exactDistribution(a, b);
    if (distributions.size >= 32) distributions.delete(distributions.keys().next().value as string);
    distributions.set(key, dist);
  }
  return dist;
}

function exact(nC: number, nT: number, u: number): MannWhitneyResult {
  const dist = cachedDistribution(nC, nT);
  let lower = 0;
  let upper = 0;
  dist.forEach((p, k) => {
    if (k <= u) lower += p;
    if (k >= u) upper += p;
  });
  return {
    u,
    probabilityOfSuperiority: u / (nC * nT),
    z: null,
    pValue: Math.min(1, 2 * Math.min(lower, upper)),
    method: 'exact',
  };
}

/** Sorted samples → tied groups (one entry per distinct value). */
function groupsOf(control: number[], treatment: number[]): Groups & { tied: boolean } {
  const c = Float64Array.from(control).sort();
  const t = Float64Array.from(treatment).sort();
  const gc: number[] = [];
  const gt: number[] = [];
  let i = 0;
  let j = 0;
  let tied = false;
  while (i < c.length || j < t.length) {
    const v = Math.min(c[i] ?? Number.POSITIVE_INFINITY, t[j] ?? Number.POSITIVE_INFINITY);
    let cc = 0;
    let tt = 0;
    while (i < c.length && c[i] === v) {
      i++;
      cc++;
    }
    while (j < t.length && t[j] === v) {
      j++;
      tt++;
    }
    if (cc + tt > 1) tied = true;
    gc.push(cc);
    gt.push(tt);
  }
  return { control: gc, treatment: gt, tied };
}

/**
 * Mann–Whitney U test on two samples (e.g. latencies of baseline and canary).
 * @example
 * mannWhitney({ control: [1.15, 0.88, 0.90, 0.74, 1.21], treatment: [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46] })
 * // → { u: 35, probabilityOfSuperiority: 0.7, z: null, pValue: 0.2544…, method: 'exact' }
 */
export function mannWhitney(input: MannWhitneyInput): MannWhitneyResult {
  const v = parseInput('mann-whitney', mannWhitneyInput, input);
  const method = v.method ?? 'auto';
  const groups = groupsOf(v.control, v.treatment);
  const nC = v.control.length;
  const nT = v.treatment.length;
  if (method === 'exact') {
    if (groups.tied)
      invalid('mann-whitney', 'method', 'exact needs samples without ties; use auto or asymptotic');
    if (nC * nT > EXACT_MAX_PAIRS) {
      invalid('mann-whitney', 'method', `exact is offered up to ${EXACT_MAX_PAIRS} control×treatment pairs`);
    }
  }
  const useExact = method === 'exact' || (method === 'auto' && !groups.tied && nC < 50 && nT < 50);
  const result = asymptotic(groups);
  return useExact && result.u !== null ? exact(nC, nT, result.u) : result;
}

/**
 * Mann–Whitney U test on two histograms with the same bucket bounds; each bucket is a tied group.
 * @example
 * mannWhitneyBuckets({ control: [900, 80, 15, 5], treatment: [850, 100, 35, 15] })
 * // → { u: …, probabilityOfSuperiority: 0.52…, z: 3.1…, pValue: 0.0017…, method: 'asymptotic' }
 */
export function mannWhitneyBuckets(input: MannWhitneyBucketsInput): MannWhitneyResult {
  const v = parseInput('mann-whitney-buckets', mannWhitneyBucketsInput, input);
  const perBucket = (counts: number[]) =>
    v.cumulative ? counts.map((n, i) => n - (i > 0 ? (counts[i - 1] ?? 0) : 0)) : counts;
  return asymptotic({ control: perBucket(v.control), treatment: perBucket(v.treatment) });
}
