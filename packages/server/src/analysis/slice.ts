/**
 * Wires the metric edge into the control plane: the events store, the `builtin` and `events`
 * providers, the registry the orchestrator asks by metric name, and the two routes.
 */
import { createEventStore, type EventStore } from '../events/event-store.js';
import { eventRoutes } from '../events/events.routes.js';
import type { AnyRoute } from '../http/route.js';
import type { Executor } from '../storage/index.js';
import { BuiltinMetricProvider } from './builtin.provider.js';
import { EventsMetricProvider } from './events.provider.js';
import { metricsRoutes } from './metrics.routes.js';
import { MetricRegistry } from './registry.js';
import type { StandaloneRouterInfo, WindowReader } from './router-sources.js';

export interface MetricsSetupOptions {
  db: Executor;
  /** The embedded router, if any (its `metrics` are read in process). */
  router: { metrics: WindowReader } | null;
  /** Standalone routers from heartbeats. */
  routers: () => readonly StandaloneRouterInfo[];
  defaultEnvironment: () => string;
  environmentExists: (name: string) => Promise<void>;
  now: () => Date;
  minRequests?: number;
  minPageViews?: number;
}

export interface MetricsSetup {
  registry: MetricRegistry;
  events: EventStore;
  routes: AnyRoute[];
}

export function setupMetrics(options: MetricsSetupOptions): MetricsSetup {
  const events = createEventStore(options.db);
  const registry = new MetricRegistry([
    new BuiltinMetricProvider({
      embedded: () => options.router?.metrics ?? null,
      standalone: options.routers,
      ...(options.minRequests !== undefined ? { minRequests: options.minRequests } : {}),
    }),
    new EventsMetricProvider({
      store: events,
      defaultEnvironment: options.defaultEnvironment,
      ...(options.minPageViews !== undefined ? { minPageViews: options.minPageViews } : {}),
    }),
  ]);
  const routes = [
    ...eventRoutes({
      store: events,
      defaultEnvironment: options.defaultEnvironment,
      environmentExists: options.environmentExists,
      now: options.now,
    }),
    ...metricsRoutes({ registry, defaultEnvironment: options.defaultEnvironment, now: options.now }),
  ];
  return { registry, events, routes };
}
