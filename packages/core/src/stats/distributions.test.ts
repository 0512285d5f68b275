/** The distribution functions against mpmath at 40 digits (reference/make-vectors.py). */
import { describe, expect, it } from 'vitest';
import {
  chiSquareSf,
  criticalT,
  criticalZ,
  logBeta,
  normalQuantile,
  studentTCdf,
  tQuantile,
  twoSidedNormalP,
} from './distributions.js';
import { expectClose, vectors } from './test-support/close.js';

// The library functions are good to a few ulps; 1e-12 leaves room for the far tails.
const TIGHT = 1e-12;
const d = vectors.distributions;

describe('distributions, against mpmath', () => {
  it('normal quantile, down to p = 1e-300', () => {
    for (const c of d.normalQuantile) expectClose(normalQuantile(c.p), c.x, TIGHT, `Φ⁻¹(${c.p})`, 1e-15);
  });
  it('two-sided normal p-value', () => {
    for (const c of d.twoSidedNormalP) expectClose(twoSidedNormalP(c.z), c.p, TIGHT, `p(${c.z})`);
    expect(twoSidedNormalP(-1.959963984540054)).toBeCloseTo(0.05, 15);
  });
  it("Student's t CDF, whole and fractional df", () => {
    for (const c of d.studentTCdf) expectClose(studentTCdf(c.t, c.df), c.p, TIGHT, `T(${c.t}; ${c.df})`);
  });
  it("Student's t quantile (scipy 1.10's own is off by up to 5e-9 here)", () => {
    for (const c of d.tQuantile) expectClose(tQuantile(c.p, c.df), c.x, TIGHT, `T⁻¹(${c.p}; ${c.df})`);
  });
  it('chi-square upper tail, including tiny p-values', () => {
    for (const c of d.chiSquareSf) expectClose(chiSquareSf(c.x, c.df), c.p, TIGHT, `Q(${c.x}; ${c.df})`);
  });
  it('ln B(a, b)', () => {
    for (const c of d.logBeta) expectClose(logBeta(c.a, c.b), c.value, TIGHT, `lnB(${c.a}, ${c.b})`);
  });
  it('critical values are quantiles, not rounded constants', () => {
    expect(criticalZ(0.95)).not.toBe(1.96);
    expectClose(criticalZ(0.95), 1.959963984540054, TIGHT, 'z 0.95');
    // t quantiles at df 1 and 2 have closed forms: tan(π(p − ½)) and (2p − 1)/√(2p(1 − p)).
    expectClose(criticalT(0.95, 1), Math.tan(Math.PI * 0.475), TIGHT, 't 0.95, df 1');
    expectClose(criticalT(0.95, 2), 0.95 / Math.sqrt(2 * 0.975 * 0.025), TIGHT, 't 0.95, df 2');
  });
});
