/**
 * The analysis slice: the metric providers metric gates ask (`builtin` reads the routers'
 * per-version figures, `events` the tracking slice's counts), their registry by metric name,
 * and the routes that ask one the way a gate does.
 */
import type { SliceContext } from '../slice.js';
import type { EventCounts } from '../tracking/event-store.js';
import { analysisRoutes } from './analysis.routes.js';
import { BuiltinMetricProvider } from './providers/builtin.provider.js';
import { EventsMetricProvider } from './providers/events.provider.js';
import type { StandaloneRouterInfo, WindowReader } from './providers/router-sources.js';
import { MetricRegistry } from './registry.js';

export interface AnalysisNeeds {
  /** The embedded router, if any (its `metrics` are read in process). */
  router: { metrics: WindowReader } | null;
  /** Standalone routers from heartbeats. */
  routers: () => readonly StandaloneRouterInfo[];
  /** The tracking slice's event counts. */
  events: EventCounts;
  minRequests?: number;
  minPageViews?: number;
}

export function analysisSlice(ctx: SliceContext, needs: AnalysisNeeds) {
  const registry = new MetricRegistry([
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
  ]);
  return {
    registry,
    routes: analysisRoutes({ registry, defaultEnvironment: ctx.defaultEnvironment, now: ctx.now }),
  };
}
