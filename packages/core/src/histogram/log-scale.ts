/**
 * Log-scale bins for latencies, shared by the router's per-version windows and the CLI's load
 * generator: bin i covers [min·growthⁱ, min·growthⁱ⁺¹) (bin 0 also everything below, the last
 * bin everything above), so a quantile read from the bins is within (growth − 1) of the value.
 */
export class LogScale {
  private readonly logGrowth: number;

  constructor(
    /** The lower edge of bin 1; values below it fall in bin 0. */
    readonly min: number,
    /** The ratio between the edges of a bin: 1.01 keeps quantiles within 1 %. */
    readonly growth: number,
    /** How many bins; the last one holds everything above its lower edge. */
    readonly bins: number,
  ) {
    this.logGrowth = Math.log(growth);
  }

  /** The bin a value falls in. Called once per recorded value: no allocation. */
  binOf(value: number): number {
    if (!(value > this.min)) return 0;
    const i = Math.floor(Math.log(value / this.min) / this.logGrowth);
    return i >= this.bins ? this.bins - 1 : i;
  }

  /** The lower edge of bin i (0 for the first). */
  lower(i: number): number {
    return i === 0 ? 0 : this.min * this.growth ** i;
  }

  /** The upper edge of bin i. */
  upper(i: number): number {
    return this.min * this.growth ** (i + 1);
  }

  /**
   * Quantile q (0–1) of binned counts totalling `total`, interpolated inside the bin that holds
   * it (which also holds the exact order statistic); null when there is nothing.
   */
  quantile(counts: ArrayLike<number>, total: number, q: number): number | null {
    if (total <= 0) return null;
    const rank = q * total;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] ?? 0;
      if (n === 0) continue;
      if (seen + n >= rank) {
        const lower = this.lower(i);
        const frac = Math.max(0, Math.min(1, (rank - seen) / n));
        return lower + (this.upper(i) - lower) * frac;
      }
      seen += n;
    }
    return this.lower(counts.length - 1);
  }
}

/** A histogram on a log scale that also keeps the count, sum and maximum of what it recorded. */
export class LogHistogram {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  max = 0;

  constructor(readonly scale: LogScale) {
    this.counts = new Float64Array(scale.bins);
  }

  record(value: number): void {
    const i = this.scale.binOf(value);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** Quantile q (0–1), never above the largest value recorded; 0 when empty. */
  quantile(q: number): number {
    const value = this.scale.quantile(this.counts, this.count, q);
    return value === null ? 0 : Math.min(value, this.max);
  }
}
