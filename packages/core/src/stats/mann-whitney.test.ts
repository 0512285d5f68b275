import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitney, mannWhitneyBuckets } from './mann-whitney.js';
import { ARITHMETIC, expectClose, PROBABILITY, type Vector, vectors } from './test-support/close.js';
import { SEED } from './test-support/random.js';

/** Every way to split ranks 1..m+n into the two arms: U's exact null distribution by brute force. */
function bruteForceP(m: number, n: number, u: number): number {
  let lower = 0;
  let upper = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << (m + n); mask++) {
    let bits = 0;
    for (let k = mask; k; k &= k - 1) bits++;
    if (bits !== m) continue; // bit r set: rank r is a treatment value
    let uu = 0;
    let below = 0;
    for (let r = 0; r < m + n; r++) {
      if (mask & (1 << r)) uu += below;
      else below++;
    }
    total++;
    if (uu <= u) lower++;
    if (uu >= u) upper++;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

describe('mann-whitney', () => {
  it('matches scipy mannwhitneyu (exact and asymptotic, with ties) and R wilcox.test, on 16 sample pairs', () => {
    expect(vectors.generatedBy.R?.agreed.mannWhitney).toBe(6);
    for (const [i, v] of (vectors.mannWhitney as Vector[]).entries()) {
      const r = mannWhitney(v.input);
      expect(r.method, `#${i}`).toBe(v.expected.method);
      expectClose(r.u, v.expected.u, ARITHMETIC, `#${i} u`);
      expectClose(r.pValue, v.expected.pValue, PROBABILITY, `#${i} pValue`);
    }
  });

  it("reproduces R's documented example (Hollander & Wolfe's permeability data): W = 35, one-sided p = 0.1272", () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitney({ control: y, treatment: x });
    expect(r.u).toBe(35);
    expect(r.method).toBe('exact');
    expect(((r.pValue ?? 0) / 2).toFixed(4)).toBe('0.1272');
  });

  it('the exact distribution equals brute-force enumeration for small samples', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 1, max: 11 }),
        (values, cut) => {
          const k = Math.min(cut, values.length - 1);
          const control = values.slice(0, k);
          const treatment = values.slice(k);
          const r = mannWhitney({ control, treatment, method: 'exact' });
          expectClose(r.pValue, bruteForceP(treatment.length, control.length, r.u ?? -1), 1e-12, 'p');
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('buckets: matches scipy on the expanded histograms, and equals the sample test on the same data', () => {
    for (const [i, v] of (vectors.mannWhitneyBuckets as Vector[]).entries()) {
      const r = mannWhitneyBuckets(v.input);
      expectClose(r.u, v.expected.u, ARITHMETIC, `#${i} u`);
      expectClose(r.pValue, v.expected.pValue, PROBABILITY, `#${i} pValue`);
      const expand = (counts: number[]) => counts.flatMap((n, b) => Array<number>(n).fill(b));
      const samples = mannWhitney({
        control: expand(v.input.control),
        treatment: expand(v.input.treatment),
        method: 'asymptotic',
      });
      expect(samples).toEqual(r);
    }
  });

  it('buckets: cumulative (Prometheus le) counts give the same answer as per-bucket counts', () => {
    const perBucket = mannWhitneyBuckets({ control: [900, 80, 15, 5], treatment: [850, 100, 35, 15] });
    const cumulative = mannWhitneyBuckets({
      control: [900, 980, 995, 1000],
      treatment: [850, 950, 985, 1000],
      cumulative: true,
    });
    expect(cumulative).toEqual(perBucket);
    expect(perBucket.z).toBeGreaterThan(0); // the treatment is slower
    expect(perBucket.pValue).toBeLessThan(0.001);
  });

  it('answers null with a reason when there is nothing to rank', () => {
    const same = mannWhitney({ control: [3, 3, 3], treatment: [3, 3] });
    expect(same).toMatchObject({ u: 3, probabilityOfSuperiority: 0.5, z: null, pValue: null });
    expect(same.reason).toContain('every value is the same');
    const empty = mannWhitneyBuckets({ control: [0, 0], treatment: [4, 1] });
    expect(empty).toMatchObject({ u: null, pValue: null, method: 'asymptotic' });
    expect(empty.reason).toContain('no values');
  });

  it('refuses exact where it cannot be exact', () => {
    expect(() => mannWhitney({ control: [1, 2, 2], treatment: [3, 4], method: 'exact' })).toThrow(
      /without ties/,
    );
    const big = Array.from({ length: 101 }, (_, i) => i);
    expect(() => mannWhitney({ control: big, treatment: big.map((x) => x + 0.5), method: 'exact' })).toThrow(
      /up to 2500/,
    );
  });
});
