/**
 * Units of the metrics Sluice knows by name, so a reading says what it is: `error_rate =
 * 53.85%`, not `53.846154`. Rates are percentages, latencies seconds; a metric not listed here
 * is shown as a bare number.
 */
const UNITS: Readonly<Record<string, string>> = {
  error_rate: '%',
  success_rate: '%',
  bounce_rate: '%',
  conversion_rate: '%',
  conversion_rate_drop: '%',
  status_mismatch_rate: '%',
  latency_p50: 's',
  latency_p95: 's',
  latency_p99: 's',
};

/** The unit of a metric (`%`, `s`), or null when Sluice does not know it. */
export function unitOf(metric: string): string | null {
  return UNITS[metric] ?? null;
}

/** A value of `metric` for people: rounded to what the unit makes meaningful, with the unit. */
export function formatReading(metric: string, value: number): string {
  const unit = unitOf(metric);
  const digits = unit === 's' ? 3 : 2;
  const shown = Number.isInteger(value) ? String(value) : String(Number(value.toFixed(digits)));
  return unit ? `${shown}${unit}` : shown;
}

/** A count for people, 12,000 (cheaper than toLocaleString, which the judge calls every second). */
export function formatCount(x: number): string {
  return String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
