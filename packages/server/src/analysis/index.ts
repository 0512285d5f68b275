/** Metric providers (the edge the orchestrator's metric gates read), their registry and route. */

export * from './analysis.routes.js';
export * from './errors.js';
export * from './providers/builtin.provider.js';
export * from './providers/events.provider.js';
export * from './providers/metric-provider.js';
export * from './providers/readings.js';
export * from './providers/router-sources.js';
export * from './registry.js';
export * from './slice.js';
