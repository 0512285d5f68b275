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
 */
import { criticalZ, type Interval } from './distributions.js';

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
