/** Metric providers (the edge the orchestrator's metric gates read), their registry and route. */
export * from './builtin.provider.js';
export * from './errors.js';
export * from './events.provider.js';
export * from './metrics.routes.js';
export * from './provider.js';
export * from './registry.js';
export * from './router-sources.js';
export * from './setup.js';
