export * from './command-handler.js';
export * from './rollout.kind.js';
export * from './rollouts.routes.js';
export * from './rollouts.service.js';
export * from './run.schema.js';
export * from './run-store.js';
export * from './runtime.js';
