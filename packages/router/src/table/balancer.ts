/**
 * Deterministic weighted choice. Smooth weighted round robin (as in nginx): every pick adds
 * each peer's weight to its running score, takes the highest and subtracts the total from it.
 * Over any `total` consecutive picks from a reset each peer is chosen exactly `weight` times,
 * and the picks interleave instead of coming in runs.
 */
export class SmoothWeightedRoundRobin {
  private readonly names: string[];
  private readonly weights: number[];
  private readonly scores: number[];
  private readonly total: number;

  constructor(weights: Readonly<Record<string, number>>) {
    this.names = Object.keys(weights);
    this.weights = this.names.map((n) => weights[n] ?? 0);
    this.scores = this.names.map(() => 0);
    this.total = this.weights.reduce((a, b) => a + b, 0);
  }

  /** The next version name, or undefined when every weight is zero. */
  pick(): string | undefined {
    if (this.total <= 0) return undefined;
    let best = -1;
    for (let i = 0; i < this.names.length; i++) {
      const w = this.weights[i] ?? 0;
      if (w <= 0) continue;
      const score = (this.scores[i] ?? 0) + w;
      this.scores[i] = score;
      if (best === -1 || score > (this.scores[best] ?? 0)) best = i;
    }
    this.scores[best] = (this.scores[best] ?? 0) - this.total;
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
  private picker: SmoothWeightedRoundRobin;

  constructor(configured: Readonly<Record<string, number>>) {
    this.configured = { ...configured };
    this.effectiveWeights = { ...configured };
    this.picker = new SmoothWeightedRoundRobin(this.effectiveWeights);
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
    this.picker = new SmoothWeightedRoundRobin(next);
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
