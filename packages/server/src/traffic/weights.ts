import type { Backends, Weights } from './model.js';

// Data planes weigh servers, Sluice weighs versions. A version with n upstreams splits its
// percent across them; reading back sums a version's servers and normalises to percents.

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a * b) / gcd(a, b);

/**
 * Per-server weight for each version, so that each version's servers together carry its
 * percent exactly when possible (scaled down, with rounding, when `maxServerWeight` forces it).
 */
export function serverWeights(
  weights: Weights,
  backends: Backends,
  maxServerWeight: number,
): Record<string, number> {
  const counts = Object.entries(backends).map(([v, urls]) => [v, urls.length] as const);
  const common = counts.reduce((acc, [, n]) => lcm(acc, n), 1);
  const raw = Object.fromEntries(counts.map(([v, n]) => [v, ((weights[v] ?? 0) * common) / n]));
  const top = Math.max(0, ...Object.values(raw));
  const scale = top > maxServerWeight ? maxServerWeight / top : 1;
  return Object.fromEntries(
    Object.entries(raw).map(([v, w]) => [v, w === 0 ? 0 : Math.max(1, Math.round(w * scale))]),
  );
}

/**
 * Percent per version from per-server weights, largest-remainder rounded so the result sums
 * to exactly 100 (or is all zero when no server has weight).
 */
export function versionPercents(servers: ReadonlyArray<{ version: string; weight: number }>): Weights {
  const totals = new Map<string, number>();
  for (const s of servers) totals.set(s.version, (totals.get(s.version) ?? 0) + s.weight);
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  if (sum === 0) return Object.fromEntries([...totals.keys()].map((v) => [v, 0]));
  const exact = [...totals].map(([v, w]) => ({ v, x: (w * 100) / sum }));
  const out = Object.fromEntries(exact.map(({ v, x }) => [v, Math.floor(x)]));
  let left = 100 - Object.values(out).reduce((a, b) => a + b, 0);
  for (const { v } of [...exact].sort(
    (a, b) => b.x - Math.floor(b.x) - (a.x - Math.floor(a.x)) || (a.v < b.v ? -1 : 1),
  )) {
    if (left-- <= 0) break;
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}
