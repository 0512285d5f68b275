import { describe, expect, it } from 'vitest';
import { cuped } from './cuped.js';
import { means } from './means.js';
import {
  ARITHMETIC,
  expectAllFinite,
  expectClose,
  expectInterval,
  PROBABILITY,
  type Vector,
  vectors,
} from './test-support/close.js';

describe('cuped', () => {
  it('matches the regression y ~ arm + x (statsmodels OLS) and per-arm adjusted variances, on 15 data sets', () => {
    for (const [i, v] of (vectors.cuped as Vector[]).entries()) {
      const r = cuped(v.input);
      const e = v.expected;
      for (const key of ['theta', 'difference', 'se', 'z', 'varianceReduction'] as const) {
        expectClose(r[key], e[key], ARITHMETIC, `#${i} ${key}`, 1e-12);
      }
      expectClose(r.pValue, e.pValue, PROBABILITY, `#${i} pValue`);
      expectInterval(r.ci, e.ci, PROBABILITY, `#${i} ci`);
    }
  });

  it('with an uncorrelated covariate it is the unadjusted comparison', () => {
    const arm = (meanY: number) => ({ n: 400, meanY, varY: 9, meanX: 3, varX: 2, covXY: 0 });
    const r = cuped({ control: arm(5), treatment: arm(5.6) });
    const plain = means({
      control: { n: 400, mean: 5, variance: 9 },
      treatment: { n: 400, mean: 5.6, variance: 9 },
    });
    expect(r.theta).toBe(0);
    expect(r.varianceReduction).toBe(0);
    expectClose(r.difference, plain.difference, ARITHMETIC, 'difference');
    expectClose(r.se, plain.se, ARITHMETIC, 'se');
  });

  it('a covariate correlated at ρ removes ρ² of the variance', () => {
    // var X = var Y = 4, cov = 3: ρ = 0.75, so 56.25 % of the variance goes.
    const arm = (meanY: number) => ({ n: 1000, meanY, varY: 4, meanX: 9.5, varX: 4, covXY: 3 });
    expectClose(
      cuped({ control: arm(10), treatment: arm(10.3) }).varianceReduction,
      0.5625,
      ARITHMETIC,
      'ρ²',
    );
  });

  it('answers null with a reason when the covariate or the adjusted metric does not vary', () => {
    const flatX = { n: 10, meanY: 1, varY: 1, meanX: 2, varX: 0, covXY: 0 };
    const r = cuped({ control: flatX, treatment: flatX });
    expect(r).toMatchObject({ theta: null, difference: null, se: null, pValue: null, ci: null });
    expect(r.reason).toContain('covariate does not vary');
    // Y = X exactly in both arms: θ = 1 and nothing is left to test.
    const exact = { n: 10, meanY: 2, varY: 1, meanX: 2, varX: 1, covXY: 1 };
    const s = cuped({ control: exact, treatment: { ...exact, meanY: 3, meanX: 3 } });
    expect(s).toMatchObject({ theta: 1, difference: 0, se: 0, z: null, pValue: null });
    expect(s.reason).toContain('no variance');
    expectAllFinite(r);
    expectAllFinite(s);
  });
});
