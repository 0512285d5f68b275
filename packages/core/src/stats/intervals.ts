/**
 * Intervals the canary judge holds readings to, one call per reading and therefore unvalidated
 * (the judge checks its counts before it asks): a Wilson score interval for one rate, and a
 * Katz log interval for the ratio of two rates.
 *
 * - Wilson (Wilson 1927; Agresti & Coull 1998): centre (p̂ + z²/2n)/(1 + z²/n), half-width
 *   z/(1 + z²/n)·√(p̂(1−p̂)/n + z²/4n²). Unlike the Wald interval it stays inside [0, 1] and keeps
 *   its coverage at 0 events, where an error-rate check usually is.
 * - Katz log ratio (Katz, Baptista, Azen & Pike 1978): ln(p_T/p_C) ± z·√(1/x_T − 1/n_T + 1/x_C −
 *   1/n_C), exponentiated; needs at least one event in each arm.
 * - The exact binomial tail P(X ≥ x), for a one-sided exact test of a rate against a bound:
 *   Wilson's interval under-covers when n·p is small (a few requests at a 1 % error rate), the
 *   exact tail never does.
 */
import { criticalZ, type Interval, logBeta } from './distributions.js';

/** Events out of a total (errors of requests, conversions of page views). */
export interface Counts {
  events: number;
  total: number;
}

/**
 * Two-sided Wilson score interval for `events / total` at `confidence`; null when total is 0.
 * @example
 * wilsonInterval({ events: 81, total: 263 }, 0.95) // → [0.25529, 0.36621]
 */
export function wilsonInterval(c: Counts, confidence: number): Interval | null {
  if (!(c.total > 0)) return null;
  const z = criticalZ(confidence);
  const n = c.total;
  const p = c.events / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Two-sided Katz interval for the ratio of rates (treatment / control) at `confidence`; null
 * when either arm has no events or no total (the log ratio is then undefined).
 * @example
 * rateRatioInterval({ events: 380, total: 1000 }, { events: 400, total: 1000 }, 0.95)
 * // → [0.85131, 1.06013] around 0.95
 */
export function rateRatioInterval(treatment: Counts, control: Counts, confidence: number): Interval | null {
  if (!(treatment.events > 0 && control.events > 0 && treatment.total > 0 && control.total > 0)) return null;
  const ratio = treatment.events / treatment.total / (control.events / control.total);
  const se = Math.sqrt(1 / treatment.events - 1 / treatment.total + 1 / control.events - 1 / control.total);
  const z = criticalZ(confidence);
  return [ratio * Math.exp(-z * se), ratio * Math.exp(z * se)];
}

/**
 * P(X ≥ x) for X ~ Binomial(n, p): the pmf from x upward, each term from the last by the ratio
 * (n−k)/(k+1)·p/(1−p), the first from ln C(n, x) = −ln(n+1) − ln B(n−x+1, x+1), until the rest
 * cannot change a double. O(terms summed): a few dozen beyond the mean.
 * @example
 * binomialUpperTail(2, 20, 0.01) // → 0.0168593 (two or more errors in 20 requests at 1 %)
 */
export function binomialUpperTail(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n || p <= 0) return 0;
  if (p >= 1) return 1;
  const logFirst = -Math.log(n + 1) - logBeta(n - x + 1, x + 1) + x * Math.log(p) + (n - x) * Math.log1p(-p);
  let term = Math.exp(logFirst);
  let sum = term;
  const odds = p / (1 - p);
  for (let k = x; k < n; k++) {
    term *= ((n - k) / (k + 1)) * odds;
    sum += term;
    if (k > n * p && term <= sum * 1e-17) break;
  }
  return Math.min(1, sum);
}
