/**
 * Log-scale latency bins shared by every window slot: bin i covers
 * [MIN_SECONDS * GROWTH^i, MIN_SECONDS * GROWTH^(i+1)), so a percentile read from the bins is
 * within ±5% of the true value from 100 µs to about two minutes.
 */
export const MIN_SECONDS = 0.0001;
export const GROWTH = 1.1;
export const BINS = 150;
const LOG_GROWTH = Math.log(GROWTH);

export function binOf(seconds: number): number {
  if (!(seconds > MIN_SECONDS)) return 0;
  const i = Math.floor(Math.log(seconds / MIN_SECONDS) / LOG_GROWTH);
  return i >= BINS ? BINS - 1 : i;
}

export function binLower(i: number): number {
  return i === 0 ? 0 : MIN_SECONDS * GROWTH ** i;
}

/** Quantile q (0-1) of a binned distribution, interpolated inside the bin; null when empty. */
export function quantile(bins: ArrayLike<number>, count: number, q: number): number | null {
  if (count <= 0) return null;
  const rank = q * count;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    const n = bins[i] ?? 0;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = binLower(i);
      const upper = MIN_SECONDS * GROWTH ** (i + 1);
      const frac = n === 0 ? 0 : Math.max(0, Math.min(1, (rank - seen) / n));
      return lower + (upper - lower) * frac;
    }
    seen += n;
  }
  return binLower(bins.length - 1);
}
