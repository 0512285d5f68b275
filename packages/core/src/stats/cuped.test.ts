import { describe, expect, it } from 'vitest';
import { cuped, cupedMoments } from './cuped.js';
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
import { type Rng, rng, SEED } from './test-support/random.js';

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

/** Σ of each per-user term, as the experiments' aggregates keep them. */
function sumsOf(xs: readonly number[], ys: readonly number[]) {
  let [sumX, sumXX, sumY, sumYY, sumXY] = [0, 0, 0, 0, 0];
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    sumX += x;
    sumXX += x * x;
    sumY += y;
    sumYY += y * y;
    sumXY += x * y;
  });
  return { n: xs.length, sumX, sumXX, sumY, sumYY, sumXY };
}

function fromRaw(control: [number[], number[]], treatment: [number[], number[]]) {
  const c = cupedMoments(sumsOf(...control));
  const t = cupedMoments(sumsOf(...treatment));
  if (!c || !t) throw new Error('fewer than two users');
  return cuped({ control: c, treatment: t });
}

/** Solves a·β = b by Gaussian elimination with partial pivoting (a small dense system). */
function solve(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i] as number]);
  const k = m.length;
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let j = col; j <= k; j++) m[r]![j]! -= f * m[col]![j]!;
    }
  }
  return m.map((row, i) => row[k]! / row[i]!);
}

describe('cuped against a textbook computation on raw per-user data', () => {
  // Eleven users; x is last month's purchases, y this month's.
  const control: [number[], number[]] = [
    [1, 3, 2, 5, 4],
    [2.1, 3.9, 3.2, 6.1, 4.4],
  ];
  const treatment: [number[], number[]] = [
    [2, 4, 1, 3, 6, 5],
    [3.5, 5.2, 2.4, 4.6, 7.9, 6.0],
  ];

  it('θ and the difference are the X and arm coefficients of OLS y ~ 1 + arm + x (normal equations)', () => {
    const rows = [
      ...control[0].map((x, i) => ({ arm: 0, x, y: control[1][i] as number })),
      ...treatment[0].map((x, i) => ({ arm: 1, x, y: treatment[1][i] as number })),
    ];
    const design = rows.map((r) => [1, r.arm, r.x]);
    const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((j) => design.reduce((s, d) => s + d[i]! * d[j]!, 0)));
    const xty = [0, 1, 2].map((i) => design.reduce((s, d, k) => s + d[i]! * rows[k]!.y, 0));
    const [, armCoefficient, slope] = solve(xtx, xty);
    const r = fromRaw(control, treatment);
    expectClose(r.theta, slope as number, ARITHMETIC, 'theta');
    expectClose(r.difference, armCoefficient as number, ARITHMETIC, 'difference');
  });

  it('the adjusted means and se are those of the adjusted values y − θ(x − x̄) taken user by user', () => {
    const r = fromRaw(control, treatment);
    const theta = r.theta as number;
    const all = [...control[0], ...treatment[0]];
    const xBar = all.reduce((a, b) => a + b, 0) / all.length;
    const adjusted = ([xs, ys]: [number[], number[]]) =>
      xs.map((x, i) => (ys[i] as number) - theta * (x - xBar));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const variance = (v: number[]) => v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1);
    const ac = adjusted(control);
    const at = adjusted(treatment);
    expectClose(r.controlMean, mean(ac), ARITHMETIC, 'controlMean');
    expectClose(r.treatmentMean, mean(at), ARITHMETIC, 'treatmentMean');
    expectClose(r.difference, mean(at) - mean(ac), ARITHMETIC, 'difference of adjusted means');
    expectClose(r.se, Math.sqrt(variance(ac) / ac.length + variance(at) / at.length), ARITHMETIC, 'se');
    const raw = variance(control[1]) / 5 + variance(treatment[1]) / 6;
    expectClose(r.varianceReduction, 1 - (r.se as number) ** 2 / raw, ARITHMETIC, 'varianceReduction');
  });

  it('cupedMoments gives the sample moments (n − 1) of the raw values', () => {
    const m = cupedMoments(sumsOf(...treatment));
    const [xs, ys] = treatment;
    const mx = xs.reduce((a, b) => a + b, 0) / 6;
    const my = ys.reduce((a, b) => a + b, 0) / 6;
    expectClose(m?.meanX ?? null, mx, ARITHMETIC, 'meanX');
    expectClose(m?.varX ?? null, xs.reduce((a, x) => a + (x - mx) ** 2, 0) / 5, ARITHMETIC, 'varX');
    expectClose(m?.varY ?? null, ys.reduce((a, y) => a + (y - my) ** 2, 0) / 5, ARITHMETIC, 'varY');
    expectClose(
      m?.covXY ?? null,
      xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / 5,
      ARITHMETIC,
      'covXY',
    );
    expect(cupedMoments({ n: 1, sumX: 1, sumXX: 1, sumY: 1, sumYY: 1, sumXY: 1 })).toBeNull();
  });
});

describe('cuped in simulation (seeded)', () => {
  const EXPERIMENTS = 400;
  const USERS = 200;
  const EFFECT = 0.3;

  /** Per-user (x, y) of one arm; `lift` is added to y in treatment. */
  type Draw = (r: Rng, lift: number) => [number, number];
  const continuous =
    (slope: number): Draw =>
    (r, lift) => {
      const x = 10 + 2 * r.normal();
      return [x, 5 + slope * x + r.normal() + lift];
    };
  // Converted last month (x) raises the chance of converting now (y) from 20 % to 60 %.
  const binary: Draw = (r, lift) => {
    const x = r.next() < 0.3 ? 1 : 0;
    return [x, r.next() < 0.2 + 0.4 * x + lift ? 1 : 0];
  };

  function run(draw: Draw, effect: number, seed: number) {
    const r = rng(seed);
    const adjusted: number[] = [];
    const raw: number[] = [];
    const reductions: number[] = [];
    for (let k = 0; k < EXPERIMENTS; k++) {
      const arm = (lift: number): [number[], number[]] => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let i = 0; i < USERS; i++) {
          const [x, y] = draw(r, lift);
          xs.push(x);
          ys.push(y);
        }
        return [xs, ys];
      };
      const c = arm(0);
      const t = arm(effect);
      const result = fromRaw(c, t);
      adjusted.push(result.difference as number);
      reductions.push(result.varianceReduction as number);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      raw.push(mean(t[1]) - mean(c[1]));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const variance = (v: number[]) => v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1);
    console.log(`cuped simulation: seed ${seed}`);
    return {
      bias: mean(adjusted) - effect,
      /** standard error of the mean adjusted estimate over the experiments */
      se: Math.sqrt(variance(adjusted) / EXPERIMENTS),
      varianceRatio: variance(adjusted) / variance(raw),
      reduction: mean(reductions),
    };
  }

  it('the adjusted difference is unbiased (within 4 standard errors over 400 experiments)', () => {
    for (const [label, draw, effect] of [
      ['continuous', continuous(0.8), EFFECT],
      ['conversion', binary, 0.05],
    ] as const) {
      const s = run(draw, effect, SEED);
      expect(Math.abs(s.bias), `${label}: bias ${s.bias}, se ${s.se}`).toBeLessThan(4 * s.se);
    }
  });

  it('a correlated covariate shrinks the variance of the estimate by about ρ²', () => {
    // y = 5 + 0.8x + ε, sd(x) = 2: ρ² = 2.56 / 3.56.
    const rho2 = 2.56 / 3.56;
    const s = run(continuous(0.8), EFFECT, SEED + 1);
    expect(Math.abs(s.reduction - rho2), 'reported reduction').toBeLessThan(0.01);
    // the ratio of two variances over 400 experiments: log within ±0.4 is 4 standard errors
    expect(Math.abs(Math.log(s.varianceRatio / (1 - rho2)))).toBeLessThan(0.4);
    expect(s.varianceRatio).toBeLessThan(0.5);
  });

  it('an uncorrelated covariate changes almost nothing', () => {
    const s = run(continuous(0), EFFECT, SEED + 2);
    // with ρ = 0, θ̂ only fits noise: E ρ̂² ≈ 1/400
    expect(Math.abs(s.reduction)).toBeLessThan(0.01);
    expect(Math.abs(Math.log(s.varianceRatio))).toBeLessThan(0.05);
    expect(Math.abs(s.bias)).toBeLessThan(4 * s.se);
  });
});
