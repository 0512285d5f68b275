/**
 * `builtin`: the Sluice router's RED figures for a route's version, summed over the embedded
 * router and every standalone router that heartbeated recently. `error_rate` and `success_rate`
 * are percentages, `latency_p95`/`latency_p99` seconds; all need `minRequests` requests in the
 * window, else no value. `status_mismatch_rate`: of the mirrored requests the version answered
 * as a shadow, the percentage whose status differed from the primary's (needs `minRequests`
 * comparisons).
 */
import type { Measurement } from '@sluice/core/analysis';
import type { MetricProvider, MetricQuery } from './metric-provider.js';
import { inconclusive, tidy } from './readings.js';
import {
  type Collected,
  collectRouterFigures,
  combine,
  type StandaloneRouterInfo,
  type WindowReader,
} from './router-sources.js';

export const BUILTIN_METRICS = [
  'error_rate',
  'success_rate',
  'latency_p95',
  'latency_p99',
  'status_mismatch_rate',
] as const;

export interface BuiltinProviderOptions {
  /** The embedded router's metrics, or null when there is none (`server.router?.metrics`). */
  embedded: () => WindowReader | null;
  /** Standalone routers known from heartbeats (`server.routerConfig.routers()`). */
  standalone: () => readonly StandaloneRouterInfo[];
  /** Fewer requests than this in the window: no value (inconclusive). Default 20. */
  minRequests?: number;
  /** A heartbeat older than this means the router is gone. Default 30 s (6 missed beats). */
  freshMs?: number;
  /** Per standalone router. Default 2 s. */
  timeoutMs?: number;
  /** Routers keep this much history (their default retention); longer windows are refused. */
  maxWindowMs?: number;
  fetch?: typeof fetch;
}

export class BuiltinMetricProvider implements MetricProvider {
  readonly type = 'builtin';
  readonly minRequests: number;
  private readonly freshMs: number;
  private readonly timeoutMs: number;
  private readonly maxWindowMs: number;

  constructor(private readonly options: BuiltinProviderOptions) {
    this.minRequests = options.minRequests ?? 20;
    this.freshMs = options.freshMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.maxWindowMs = options.maxWindowMs ?? 600_000;
  }

  names(): readonly string[] {
    return BUILTIN_METRICS;
  }

  async measure(query: MetricQuery): Promise<Measurement> {
    const { metric } = query;
    if (!(BUILTIN_METRICS as readonly string[]).includes(metric)) {
      return inconclusive(
        metric,
        `the builtin provider answers ${BUILTIN_METRICS.join(', ')}, not "${metric}"`,
      );
    }
    if (!query.route)
      return inconclusive(metric, 'builtin metrics need the route whose versions are measured');
    const embedded = this.options.embedded();
    const maxWindowMs = Math.min(this.maxWindowMs, embedded?.retentionMs ?? this.maxWindowMs);
    if (!Number.isInteger(query.windowMs) || query.windowMs <= 0 || query.windowMs > maxWindowMs) {
      // a silently shortened window would report figures for a period nobody asked about
      return inconclusive(
        metric,
        `window ${query.windowMs} ms is outside what the routers keep (1 to ${maxWindowMs} ms)`,
      );
    }
    let collected: Collected;
    try {
      collected = await collectRouterFigures({
        embedded,
        standalone: this.options.standalone(),
        route: query.route,
        version: query.version,
        windowMs: query.windowMs,
        now: query.now,
        freshMs: this.freshMs,
        timeoutMs: this.timeoutMs,
        fetch: this.options.fetch ?? fetch,
      });
    } catch (error) {
      return inconclusive(metric, `reading router metrics failed: ${String(error)}`);
    }
    return this.judge(query, collected);
  }

  private judge(query: MetricQuery, { figures, failures }: Collected): Measurement {
    const { metric, route, version } = query;
    const unreachable = failures.map((f) => `${f.source} unreachable (${f.reason})`).join('; ');
    if (figures.length === 0) {
      return inconclusive(
        metric,
        unreachable ||
          `no router reports metrics: no embedded router and no standalone router heartbeated in the last ${this.freshMs / 1000}s`,
      );
    }
    const total = combine(figures);
    const where = `${route}/${version}`;
    const mirrored = metric === 'status_mismatch_rate';
    const samples = mirrored ? total.compared : total.requests;
    if (samples < this.minRequests) {
      const reason = mirrored
        ? `too few mirrored requests compared for ${where}: ${samples} in the window, need ${this.minRequests}`
        : `too few requests to ${where}: ${samples} in the window, need ${this.minRequests}`;
      return inconclusive(metric, unreachable ? `${reason}; ${unreachable}` : reason, samples);
    }
    const rate = (part: number) => (part / samples) * 100;
    const raw =
      metric === 'error_rate'
        ? rate(total.errors)
        : metric === 'success_rate'
          ? 100 - rate(total.errors)
          : metric === 'status_mismatch_rate'
            ? rate(total.mismatches)
            : metric === 'latency_p99'
              ? total.p99
              : total.p95;
    const value = raw === null ? null : tidy(raw);
    const out: Measurement = { metric, value, sampleCount: samples };
    // part of the traffic went unseen: show the figure, but it cannot pass a gate
    if (unreachable) out.error = `${unreachable}; the value covers the other routers only`;
    else if (value === null) out.error = `no latency recorded for ${where}`;
    return out;
  }
}
