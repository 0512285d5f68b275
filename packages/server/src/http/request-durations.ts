/**
 * `sluice_http_request_duration_seconds`: the request-duration histogram of `GET /metrics`, by
 * method, route and status. Its own small metric rather than prom-client's Histogram: that one
 * validates and hashes the label object on every observation (over 2 µs of each OFREP
 * evaluation, bench/ofrep); here a series is found once per label set and an observation is a
 * bucket search and three additions. It registers in a prom-client Registry like any metric
 * (the registry asks `get()` at scrape time) and prints as prom-client's histograms do.
 */
import type { MetricValueWithName, Registry } from 'prom-client';

export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

type Labels = { method: string; route: string; status: string };

/** What a prom-client registry reads from a metric at scrape time. */
interface Exposition {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: MetricValueWithName<string>[];
}

/** One label set's figures: `counts[i]` observations in bucket i alone (the last: above all). */
export class DurationSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Labels>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one request that took `seconds` (not a finite number: ignored; prom-client throws). */
  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count += 1;
  }
}

export class RequestDurations {
  readonly name = 'sluice_http_request_duration_seconds';
  readonly help = 'HTTP request duration by route and status';
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  /** method → route → status → series: found without building a key. */
  private readonly byMethod = new Map<string, Map<string, Map<number, DurationSeries>>>();
  private readonly all: DurationSeries[] = [];

  constructor(private readonly bounds: readonly number[] = REQUEST_DURATION_BUCKETS) {}

  /** The series of one label set (the same object every time: callers may keep it). */
  series(method: string, route: string, status: number): DurationSeries {
    let byRoute = this.byMethod.get(method);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.byMethod.set(method, byRoute);
    }
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      byRoute.set(route, byStatus);
    }
    let series = byStatus.get(status);
    if (series === undefined) {
      series = new DurationSeries({ method, route, status: String(status) }, this.bounds);
      byStatus.set(status, series);
      this.all.push(series);
    }
    return series;
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.series(method, route, status).observe(seconds);
  }

  /** Adds this metric to a registry's exposition. */
  registerIn(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }

  /** The figures in prom-client's shape (cumulative buckets with `le`, then `_sum`, `_count`). */
  get(): Promise<Exposition> {
    const values: MetricValueWithName<string>[] = [];
    for (const series of this.all) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le, ...series.labels },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Zeroes every series for `registry.resetMetrics()` (prom-client would drop them instead). */
  reset(): void {
    for (const series of this.all) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
