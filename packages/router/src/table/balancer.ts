/**
 * Deterministic weighted choice: smooth weighted round robin under Balinski–Young's quota rule.
 * Each pick goes to the version with the highest `weight / (picks + 1)` among those still
 * below their upper quota, `picks < (n + 1) * weight / total` for the n-th pick. So picks
 * interleave (as with nginx's SWRR) and, more than SWRR, every prefix of the sequence stays
 * within one request of the exact share (plain SWRR drifts past one with many versions; a
 * property test found 1.16). Over every `total` picks from a reset the split is exact.
 */
export class WeightedRoundRobin {
  private readonly names: string[];
  private readonly weights: number[];
  private readonly counts: number[];
  private readonly total: number;
  private picks = 0;

  constructor(weights: Readonly<Record<string, number>>) {
    this.names = Object.keys(weights);
    this.weights = this.names.map((n) => weights[n] ?? 0);
    this.counts = this.names.map(() => 0);
    this.total = this.weights.reduce((a, b) => a + b, 0);
  }

  /** The next version name, or undefined when every weight is zero. */
  pick(): string | undefined {
    if (this.total <= 0) return undefined;
    let best = -1;
    let bestPriority = -1;
    for (let i = 0; i < this.names.length; i++) {
      const w = this.weights[i] ?? 0;
      const c = this.counts[i] ?? 0;
      // Upper quota: one more pick must not put this version ahead of its exact share.
      if (w <= 0 || c * this.total >= (this.picks + 1) * w) continue;
      const priority = w / (c + 1);
      if (priority > bestPriority) {
        bestPriority = priority;
        best = i;
      }
    }
    this.counts[best] = (this.counts[best] ?? 0) + 1;
    this.picks++;
    // At the end of a period every count equals its weight: starting over changes nothing.
    if (this.picks === this.total) {
      this.picks = 0;
      this.counts.fill(0);
    }
    return this.names[best];
  }
}

/**
 * Moves the weight of unhealthy versions to the healthy ones in proportion to their weights,
 * in whole percentages that still sum to 100 (largest remainder). When no healthy version has
 * any weight, the configured weights stand: the router does not invent a split the control
 * plane never asked for (fail closed, and the errors stay visible to the analysis).
 */
export function shedWeights(
  weights: Readonly<Record<string, number>>,
  isHealthy: (version: string) => boolean,
): Record<string, number> {
  const names = Object.keys(weights);
  const healthyTotal = names.reduce((sum, n) => sum + (isHealthy(n) ? (weights[n] ?? 0) : 0), 0);
  const total = names.reduce((sum, n) => sum + (weights[n] ?? 0), 0);
  if (healthyTotal === 0 || healthyTotal === total) return { ...weights };
  const out: Record<string, number> = {};
  const remainders: { name: string; frac: number }[] = [];
  let assigned = 0;
  for (const name of names) {
    const w = isHealthy(name) ? (weights[name] ?? 0) : 0;
    const exact = (w * total) / healthyTotal;
    const whole = Math.floor(exact);
    out[name] = whole;
    assigned += whole;
    if (w > 0) remainders.push({ name, frac: exact - whole });
  }
  // Stable order for ties keeps the result deterministic.
  remainders.sort((a, b) => b.frac - a.frac);
  for (let i = 0; assigned < total && i < remainders.length; i++, assigned++) {
    const r = remainders[i];
    if (r) out[r.name] = (out[r.name] ?? 0) + 1;
  }
  return out;
}

function sameWeights(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** A route's split: configured weights, the weights after health shedding, and the picker. */
export class RouteBalancer {
  readonly configured: Readonly<Record<string, number>>;
  private effectiveWeights: Record<string, number>;
  private picker: WeightedRoundRobin;

  constructor(configured: Readonly<Record<string, number>>) {
    this.configured = { ...configured };
    this.effectiveWeights = { ...configured };
    this.picker = new WeightedRoundRobin(this.effectiveWeights);
  }

  get effective(): Readonly<Record<string, number>> {
    return this.effectiveWeights;
  }

  /** Weight a version gets now (0 for unknown versions). */
  weightOf(version: string): number {
    return this.effectiveWeights[version] ?? 0;
  }

  /** Re-derives the effective split from health; returns true when it changed. */
  applyHealth(isHealthy: (version: string) => boolean): boolean {
    const next = shedWeights(this.configured, isHealthy);
    if (sameWeights(next, this.effectiveWeights)) return false;
    this.effectiveWeights = next;
    this.picker = new WeightedRoundRobin(next);
    return true;
  }

  pick(): string | undefined {
    return this.picker.pick();
  }
}

/** Exact share sampler: of every 100 calls (from a reset) exactly `percent` return true. */
export class ShareSampler {
  private acc = 0;
  constructor(private readonly percent: number) {}
  next(): boolean {
    this.acc += this.percent;
    if (this.acc >= 100) {
      this.acc -= 100;
      return true;
    }
    return false;
  }
}
