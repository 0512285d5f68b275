/**
 * The distribution functions every test uses, from @stdlib (ports of Boost's and Cephes'
 * algorithms, accurate to a few ulps). Tail probabilities are always computed as tails, never as
 * `1 - cdf`, so tiny p-values keep their digits.
 */

import betaln from '@stdlib/math-base-special-betaln';
import erfc from '@stdlib/math-base-special-erfc';
import erfcinv from '@stdlib/math-base-special-erfcinv';
import gammainc from '@stdlib/math-base-special-gammainc';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantileStd from '@stdlib/stats-base-dists-t-quantile';

/** `[low, high]` */
export type Interval = [number, number];

/**
 * Φ⁻¹(p), the standard normal quantile. Through erfcinv of the smaller tail, so a tail of 1e-300
 * keeps its digits (Φ⁻¹ via erfinv(2p − 1) loses them below p ≈ 1e-8).
 */
export function normalQuantile(p: number): number {
  return p < 0.5 ? -Math.SQRT2 * erfcinv(2 * p) : Math.SQRT2 * erfcinv(2 - 2 * p);
}

/** P(|Z| ≥ |z|) for a standard normal Z. */
export function twoSidedNormalP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df need not be whole). */
export function studentTCdf(t: number, df: number): number {
  return tCdf(t, df);
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom. */
export function twoSidedTP(t: number, df: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** The t quantile: P(T ≤ x) = p. */
export function tQuantile(p: number, df: number): number {
  return tQuantileStd(p, df);
}

/** P(X ≥ x) for a chi-square X with `df` degrees of freedom (the upper regularized gamma). */
export function chiSquareSf(x: number, df: number): number {
  return gammainc(x / 2, df / 2, true, true);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return betaln(a, b);
}

/** z such that P(|Z| ≤ z) = confidence (1.959963984540054 for 0.95). */
export function criticalZ(confidence: number): number {
  return -normalQuantile((1 - confidence) / 2);
}

/** t such that P(|T| ≤ t) = confidence at `df` degrees of freedom. */
export function criticalT(confidence: number, df: number): number {
  return -tQuantile((1 - confidence) / 2, df);
}

/** `center ± halfWidth` as `[low, high]`. */
export function around(center: number, halfWidth: number): Interval {
  return [center - halfWidth, center + halfWidth];
}
