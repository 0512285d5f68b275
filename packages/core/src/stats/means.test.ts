import { describe, expect, it } from 'vitest';
import { means } from './means.js';
import {
  ARITHMETIC,
  expectClose,
  expectInterval,
  PROBABILITY,
  type Vector,
  vectors,
} from './test-support/close.js';

function summary(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { n: values.length, mean, variance };
}

describe('means (Welch)', () => {
  it('matches scipy ttest_ind_from_stats(equal_var=False), interval by the mpmath t quantile, on 40 vectors', () => {
    for (const [i, v] of (vectors.means as Vector[]).entries()) {
      const r = means(v.input);
      const e = v.expected;
      for (const key of ['difference', 'se', 't', 'df'] as const)
        expectClose(r[key], e[key], ARITHMETIC, `#${i} ${key}`);
      expectClose(r.pValue, e.pValue, PROBABILITY, `#${i} pValue`);
      expectInterval(r.ci, e.ci, PROBABILITY, `#${i} ci`);
    }
  });

  it("reproduces R's t.test(extra ~ group, data = sleep) from R's documentation", () => {
    // R: t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI: -3.3654832 0.2054832
    // (group 1 − group 2; here treatment is group 2, so the signs flip).
    const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const r = means({ control: summary(group1), treatment: summary(group2) });
    expect(r.t?.toFixed(4)).toBe('1.8608');
    expect(r.df?.toFixed(3)).toBe('17.776');
    expect(r.pValue?.toFixed(5)).toBe('0.07939');
    expect(r.ci?.map((x) => x.toFixed(7))).toEqual(['-0.2054832', '3.3654832']);
  });

  it('one arm without variance still has a test; both without variance answer null with a reason', () => {
    const one = means({ control: { n: 5, mean: 1, variance: 0 }, treatment: { n: 8, mean: 2, variance: 1 } });
    expect(one.df).toBeCloseTo(7, 12); // all the variance comes from treatment: df = n_T − 1
    const none = means({
      control: { n: 5, mean: 1, variance: 0 },
      treatment: { n: 8, mean: 2, variance: 0 },
    });
    expect(none).toMatchObject({ difference: 1, se: 0, t: null, df: null, pValue: null, ci: null });
    expect(none.reason).toContain('both variances are 0');
  });
});
