/**
 * Seeded randomness for simulations (the engine itself never draws): sfc32 seeded through
 * splitmix32, with the few samplers the property tests need. Every simulation prints its seed;
 * STATS_SEED=n reruns it.
 */
export const SEED = Number(process.env.STATS_SEED ?? 20261124);

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  normal(): number;
  binomial(n: number, p: number): number;
}

export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  let spare: number | null = null;
  return {
    next,
    normal() {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      const u = 1 - next();
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    binomial(n, p) {
      if (n * p < 30 && p < 0.5) {
        // Inversion: walk the pmf from 0 (a few steps when n·p is small).
        const u = next();
        let pmf = (1 - p) ** n;
        let cdf = pmf;
        let k = 0;
        while (u >= cdf && k < n) {
          pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
          k++;
          cdf += pmf;
        }
        return k;
      }
      let k = 0;
      for (let i = 0; i < n; i++) if (next() < p) k++;
      return k;
    },
  };
}

/**
 * One-sample Kolmogorov–Smirnov test of values against U(0, 1): p-value by the Kolmogorov
 * distribution with Stephens' small-sample correction (Stephens 1970).
 */
export function ksUniformP(values: number[]): number {
  const x = [...values].sort((p, q) => p - q);
  const n = x.length;
  let d = 0;
  x.forEach((v, i) => {
    d = Math.max(d, (i + 1) / n - v, v - i / n);
  });
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return Math.min(1, Math.max(0, p));
}
