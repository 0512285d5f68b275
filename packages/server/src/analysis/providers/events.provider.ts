/**
 * `events`: business metrics from the events apps send to `POST /api/v1/events`.
 * - `bounce_rate`: bounces per page view of the version, in percent.
 * - `conversion_rate_drop`: how much lower the version's conversion rate (conversions per page
 *   view) is than the baseline's, relative to the baseline, in percent:
 *   (baselineRate - rate) / baselineRate × 100. Negative when the version converts better.
 * Fewer than `minPageViews` page views (on either side for the drop) gives no value.
 */
import type { Measurement } from '@sluice/core/analysis';
import { EVENT_NAMES } from '../../tracking/event.schema.js';
import type { EventCounts } from '../../tracking/event-store.js';
import type { MetricProvider, MetricQuery } from './metric-provider.js';
import { inconclusive, messageOf, tidy } from './readings.js';

export const EVENTS_METRICS = ['bounce_rate', 'conversion_rate_drop'] as const;

export interface EventsProviderOptions {
  store: EventCounts;
  /** The environment read when a query names none. */
  defaultEnvironment: () => string;
  /**
   * Fewer page views than this in the window: no value (inconclusive). Default 100. This is a
   * floor, not a safeguard: at 100 views per version and a 0.4 conversion rate, two identical
   * versions differ by more than a 5 % relative drop in about 37 % of windows. Only a judge that
   * holds the drop to its interval (`@sluice/core/analysis`, readings with `evidence`) avoids
   * rolling such canaries back.
   */
  minPageViews?: number;
}

interface Rates {
  views: number;
  bounces: number;
  conversions: number;
}

export class EventsMetricProvider implements MetricProvider {
  readonly type = 'events';
  readonly minPageViews: number;

  constructor(private readonly options: EventsProviderOptions) {
    this.minPageViews = options.minPageViews ?? 100;
  }

  names(): readonly string[] {
    return EVENTS_METRICS;
  }

  async measure(query: MetricQuery): Promise<Measurement> {
    const { metric } = query;
    if (metric !== 'bounce_rate' && metric !== 'conversion_rate_drop') {
      return inconclusive(
        metric,
        `the events provider answers ${EVENTS_METRICS.join(', ')}, not "${metric}"`,
      );
    }
    if (!Number.isFinite(query.windowMs) || query.windowMs <= 0) {
      return inconclusive(metric, `window ${query.windowMs} ms is not a positive duration`);
    }
    try {
      return metric === 'bounce_rate' ? await this.bounceRate(query) : await this.conversionDrop(query);
    } catch (error) {
      return inconclusive(metric, `reading events failed: ${messageOf(error)}`);
    }
  }

  private async rates(query: MetricQuery, version: string): Promise<Rates> {
    const environment = query.environment ?? this.options.defaultEnvironment();
    const from = new Date(query.now.getTime() - query.windowMs);
    const counts = await this.options.store.countByName(environment, version, from, query.now);
    return {
      views: counts[EVENT_NAMES.pageView] ?? 0,
      bounces: counts[EVENT_NAMES.bounce] ?? 0,
      conversions: counts[EVENT_NAMES.conversion] ?? 0,
    };
  }

  private tooFew(metric: string, version: string, views: number): Measurement {
    return inconclusive(
      metric,
      `too few page views of ${version}: ${views} in the window, need ${this.minPageViews}`,
      views,
    );
  }

  private async bounceRate(query: MetricQuery): Promise<Measurement> {
    const r = await this.rates(query, query.version);
    if (r.views < this.minPageViews) return this.tooFew(query.metric, query.version, r.views);
    return { metric: query.metric, value: tidy((r.bounces / r.views) * 100), sampleCount: r.views };
  }

  private async conversionDrop(query: MetricQuery): Promise<Measurement> {
    const { metric, version, baselineVersion } = query;
    if (!baselineVersion) {
      return inconclusive(metric, 'conversion_rate_drop compares with a baseline version; none was given');
    }
    const [canary, stable] = await Promise.all([
      this.rates(query, version),
      this.rates(query, baselineVersion),
    ]);
    // the weaker side bounds how much the comparison can be trusted
    const samples = Math.min(canary.views, stable.views);
    if (canary.views < this.minPageViews) return this.tooFew(metric, version, canary.views);
    if (stable.views < this.minPageViews) {
      return inconclusive(
        metric,
        `too few page views of the baseline ${baselineVersion}: ${stable.views} in the window, need ${this.minPageViews}`,
        samples,
      );
    }
    const stableRate = stable.conversions / stable.views;
    if (stableRate === 0) {
      return inconclusive(
        metric,
        `the baseline ${baselineVersion} has no conversions in the window; a relative drop is undefined`,
        samples,
      );
    }
    const rate = canary.conversions / canary.views;
    return { metric, value: tidy(((stableRate - rate) / stableRate) * 100), sampleCount: samples };
  }
}
