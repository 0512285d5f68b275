/**
 * Simulations: under the null every test's p-values are uniform (Kolmogorov–Smirnov), and the
 * sequential test keeps its false-positive rate at α however often it looks. Seeded (STATS_SEED
 * reruns a failure); each run prints its seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cuped } from './cuped.js';
import { mannWhitney, mannWhitneyBuckets } from './mann-whitney.js';
import { means } from './means.js';
import { proportions } from './proportions.js';
import { sequentialStart, sequentialUpdate } from './sequential.js';
import { srm } from './srm.js';
import { ksUniformP, type Rng, rng, SEED } from './test-support/random.js';

const EXPERIMENTS = 1000;
/** KS p-values below this fail: a 1-in-1,000 false alarm per check, seeded so it never flakes. */
const KS_FLOOR = 0.001;

function simulate(label: string, seed: number, one: (r: Rng) => number | null): number[] {
  const r = rng(seed);
  const ps: number[] = [];
  for (let i = 0; i < EXPERIMENTS; i++) {
    const p = one(r);
    if (p !== null) ps.push(p);
  }
  const ks = ksUniformP(ps);
  console.log(`${label}: seed ${seed}, ${ps.length} p-values, KS p = ${ks.toFixed(4)}`);
  expect(ks, `${label} (seed ${seed})`).toBeGreaterThan(KS_FLOOR);
  return ps;
}

function summary(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { n: xs.length, mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) };
}

const runs = { seed: SEED, numRuns: 2 };
const simSeed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

describe('p-values are uniform under the null', () => {
  it('the KS check itself rejects p-values that are not uniform', () => {
    const r = rng(SEED);
    const squared = Array.from({ length: EXPERIMENTS }, () => r.next() ** 2);
    expect(ksUniformP(squared)).toBeLessThan(1e-6);
  });

  it('proportions (pooled z-test)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.05, 0.2, 0.5),
        fc.constantFrom(2000, 4000),
        simSeed,
        (rate, users, seed) => {
          simulate(`proportions rate ${rate}, ${users} users`, seed, (r) => {
            const arm = () => ({ users, conversions: r.binomial(users, rate) });
            return proportions({ control: arm(), treatment: arm() }).pValue;
          });
        },
      ),
      runs,
    );
  });

  it('means (Welch, unequal variances and sizes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 40 }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        simSeed,
        (n, sd, seed) => {
          simulate(`means n ${n}/${2 * n}, sd 1/${sd.toFixed(2)}`, seed, (r) => {
            const c = Array.from({ length: n }, () => r.normal());
            const t = Array.from({ length: 2 * n }, () => sd * r.normal());
            return means({ control: summary(c), treatment: summary(t) }).pValue;
          });
        },
      ),
      runs,
    );
  });

  it('srm (chi-square, three arms)', () => {
    fc.assert(
      fc.property(fc.constantFrom([1, 1, 1], [50, 25, 25], [80, 10, 10]), simSeed, (weights, seed) => {
        const total = weights.reduce((a, b) => a + b, 0);
        simulate(`srm weights ${weights}`, seed, (r) => {
          const observed = weights.map(() => 0);
          for (let u = 0; u < 3000; u++) {
            let x = r.next() * total;
            let k = 0;
            while (x >= (weights[k] ?? 0)) x -= weights[k++] ?? 0;
            observed[k] = (observed[k] ?? 0) + 1;
          }
          return srm({ observed, weights: [...weights] }).pValue;
        });
      }),
      runs,
    );
  });

  it('cuped (correlated covariate)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 0.5, 0.9), simSeed, (rho, seed) => {
        simulate(`cuped ρ ${rho.toFixed(2)}`, seed, (r) => {
          const arm = () => {
            const xs: number[] = [];
            const ys: number[] = [];
            for (let i = 0; i < 200; i++) {
              const x = r.normal();
              xs.push(x);
              ys.push(rho * x + Math.sqrt(1 - rho * rho) * r.normal());
            }
            const sx = summary(xs);
            const sy = summary(ys);
            let cov = 0;
            for (let i = 0; i < xs.length; i++) cov += ((xs[i] ?? 0) - sx.mean) * ((ys[i] ?? 0) - sy.mean);
            return {
              n: 200,
              meanY: sy.mean,
              varY: sy.variance,
              meanX: sx.mean,
              varX: sx.variance,
              covXY: cov / 199,
            };
          };
          return cuped({ control: arm(), treatment: arm() }).pValue;
        });
      }),
      runs,
    );
  });

  it('mann-whitney on samples (exact below 50 values, normal above) and on histogram buckets', () => {
    fc.assert(
      fc.property(fc.constantFrom(20, 45, 120), simSeed, (n, seed) => {
        simulate(`mann-whitney n ${n}`, seed, (r) => {
          const draw = () => Array.from({ length: n }, () => Math.exp(r.normal()));
          return mannWhitney({ control: draw(), treatment: draw() }).pValue;
        });
        simulate(`mann-whitney buckets, ${4 * n} values in 12 buckets`, seed, (r) => {
          const draw = () => {
            const counts = new Array<number>(12).fill(0);
            for (let i = 0; i < 4 * n; i++) {
              const b = Math.min(11, Math.floor(Math.exp(r.normal() * 0.6) * 3));
              counts[b] = (counts[b] ?? 0) + 1;
            }
            return counts;
          };
          return mannWhitneyBuckets({ control: draw(), treatment: draw() }).pValue;
        });
      }),
      runs,
    );
  });
});

describe('sequential: looking after every batch is safe', () => {
  /** One simulated canary or experiment: looks after each batch; did it ever reject, and when? */
  function run(r: Rng, rateC: number, rateT: number, batch: number, looks: number, tau2: number) {
    let state = sequentialStart();
    const c = { users: 0, conversions: 0 };
    const t = { users: 0, conversions: 0 };
    let naive = false;
    for (let k = 0; k < looks; k++) {
      c.users += batch;
      t.users += batch;
      c.conversions += r.binomial(batch, rateC);
      t.conversions += r.binomial(batch, rateT);
      const step = sequentialUpdate(
        state,
        { control: { ...c }, treatment: { ...t } },
        { metric: 'proportion', tau2 },
      );
      state = step.state;
      // What peeking at a fixed-horizon test would do: stop at the first p < 0.05.
      const fixed = proportions({ control: c, treatment: t }).pValue;
      if (fixed !== null && fixed < 0.05) naive = true;
      if (step.look.rejected) return { rejected: true, naive: true, at: k };
    }
    return { rejected: false, naive, at: looks };
  }

  it('false-positive rate ≤ α = 0.05 over 200 looks, where peeking at a fixed test is far above it', () => {
    fc.assert(
      fc.property(fc.constantFrom(0.1, 0.3), simSeed, (rate, seed) => {
        const r = rng(seed);
        let falseAlarms = 0;
        let naiveAlarms = 0;
        for (let i = 0; i < 600; i++) {
          const o = run(r, rate, rate, 50, 200, (0.1 * rate) ** 2);
          if (o.rejected) falseAlarms++;
          if (o.naive) naiveAlarms++;
        }
        console.log(
          `mSPRT under the null, rate ${rate}: seed ${seed}, false alarms ${falseAlarms}/600, ` +
            `peeking at a fixed test ${naiveAlarms}/600`,
        );
        expect(falseAlarms / 600).toBeLessThanOrEqual(0.05);
        expect(naiveAlarms / 600).toBeGreaterThan(0.15);
      }),
      runs,
    );
  });

  it('a doubled error rate (0.5 % → 1 %) is caught, looking every 500 requests per version', () => {
    const seed = SEED;
    const r = rng(seed);
    let caught = 0;
    for (let i = 0; i < 300; i++) if (run(r, 0.005, 0.01, 500, 80, 0.005 ** 2).rejected) caught++;
    console.log(`mSPRT, error rate 0.5 % vs 1 %: seed ${seed}, caught ${caught}/300 within 40,000 requests`);
    expect(caught / 300).toBeGreaterThan(0.95);
  });
});
