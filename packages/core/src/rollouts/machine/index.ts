export { stageChecks } from './checks.js';
export { type RollbackScope, rollbackQueue } from './rollback.js';
export { startRun, type TransitionResult, transition } from './transition.js';
export type { TransitionRecord } from './tx.js';
export * from './watch.js';
