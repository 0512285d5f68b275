/**
 * The analysis slice: the metric providers metric gates ask (`builtin` reads the routers'
 * per-version figures, `events` the tracking slice's counts), their registry by metric name,
 * and the routes that ask one the way a gate does.
 */
import { SecretResolver } from '../secrets/secrets.js';
import type { SliceContext } from '../slice.js';
import type { EventCounts } from '../tracking/event-store.js';
import { analysisRoutes } from './analysis.routes.js';
import { BuiltinMetricProvider } from './providers/builtin.provider.js';
import { EventsMetricProvider } from './providers/events.provider.js';
import { HttpMetricProvider } from './providers/http.provider.js';
import { PrometheusMetricProvider } from './providers/prometheus.provider.js';
import type { StandaloneRouterInfo, WindowReader } from './providers/router-sources.js';
import { MetricRegistry } from './registry.js';
import type { TemplateLookup } from './templates/resolve.js';

export interface AnalysisNeeds {
  /** The embedded router, if any (its `metrics` are read in process). */
  router: { metrics: WindowReader } | null;
  /** Standalone routers from heartbeats. */
  routers: () => readonly StandaloneRouterInfo[];
  /** The tracking slice's event counts. */
  events: EventCounts;
  minRequests?: number;
  minPageViews?: number;
  /** Stored MetricTemplates by name (the resources slice's). */
  templates: TemplateLookup;
}

export function analysisSlice(ctx: SliceContext, needs: AnalysisNeeds) {
  const secrets = new SecretResolver(process.env, ctx.config.dataDir);
  const registry = new MetricRegistry(
    [
      new BuiltinMetricProvider({
        embedded: () => needs.router?.metrics ?? null,
        standalone: needs.routers,
        ...(needs.minRequests !== undefined ? { minRequests: needs.minRequests } : {}),
      }),
      new EventsMetricProvider({
        store: needs.events,
        defaultEnvironment: ctx.defaultEnvironment,
        ...(needs.minPageViews !== undefined ? { minPageViews: needs.minPageViews } : {}),
      }),
      new PrometheusMetricProvider({
        defaultAddress: ctx.config.prometheusUrl,
        secrets,
        ...(needs.minRequests !== undefined ? { minSamples: needs.minRequests } : {}),
      }),
      new HttpMetricProvider({ secrets }),
    ],
    needs.templates,
  );
  return {
    registry,
    routes: analysisRoutes({ registry, defaultEnvironment: ctx.defaultEnvironment, now: ctx.now }),
  };
}
