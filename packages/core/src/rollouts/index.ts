/** Rollouts: plans, the pure state machine, strategy executors, gates, simulation (judgement is in analysis/). */
export * from './checks.js';
export * from './commands.js';
export * from './errors.js';
export * from './events.js';
export * from './executors/index.js';
export * from './explain.js';
export * from './flagd.js';
export * from './flagger/index.js';
export * from './gates.js';
export * from './machine/index.js';
export * from './pace.js';
export * from './plan/index.js';
export * from './schedule.js';
export * from './simulator/index.js';
export * from './state.js';
export * from './text.js';
