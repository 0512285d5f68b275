// Small statistics for bench/rollouts.

/** The q-quantile (0..1) of an ascending array, nearest rank; null when empty. */
export function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
