/**
 * Routes a metric name to the provider that answers it, so the orchestrator asks by name
 * (`error_rate`, `bounce_rate`, …) without knowing where figures come from.
 */
import type { Measurement, MetricProvider, MetricQuery } from './providers/metric-provider.js';
import { inconclusive, messageOf } from './providers/readings.js';

export class MetricRegistry {
  private readonly byName = new Map<string, MetricProvider>();

  /** Throws when two providers claim one name: that is a wiring mistake, found at start. */
  constructor(providers: readonly MetricProvider[]) {
    for (const provider of providers) {
      for (const name of provider.names()) {
        const taken = this.byName.get(name);
        if (taken) throw new Error(`metric "${name}" is answered by both ${taken.type} and ${provider.type}`);
        this.byName.set(name, provider);
      }
    }
  }

  /** Every metric name some provider answers, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  has(metric: string): boolean {
    return this.byName.has(metric);
  }

  /** The type of the provider answering `metric`, or null. */
  providerOf(metric: string): string | null {
    return this.byName.get(metric)?.type ?? null;
  }

  /**
   * Asks the provider that answers `query.metric`. An unknown name, or a provider that breaks
   * its promise and throws, gives an error measurement rather than an exception.
   */
  async measure(query: MetricQuery): Promise<Measurement> {
    const provider = this.byName.get(query.metric);
    if (!provider) {
      return inconclusive(
        query.metric,
        `unknown metric "${query.metric}"; known metrics: ${this.names().join(', ') || 'none'}`,
      );
    }
    try {
      return await provider.measure(query);
    } catch (error) {
      return inconclusive(query.metric, `${provider.type} provider failed: ${messageOf(error)}`);
    }
  }

  /**
   * Measures several metrics of one target in parallel, in the order asked: what a gate's
   * `measure` command needs (`{metrics, target, windowSeconds}` → one query each).
   */
  measureAll(metrics: readonly string[], query: Omit<MetricQuery, 'metric'>): Promise<Measurement[]> {
    return Promise.all(metrics.map((metric) => this.measure({ ...query, metric })));
  }
}
