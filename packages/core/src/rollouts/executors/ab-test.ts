/**
 * Reserved. A/B tests run as Experiment resources; plan validation refuses ab_test stages, and
 * this executor fails closed should one reach the machine anyway.
 */
import { fail, idle } from './common.js';
import type { StrategyExecutor } from './types.js';

export interface AbTestExec {
  phase: 'refused';
}

export const abTestExecutor: StrategyExecutor<'ab_test', AbTestExec> = {
  start: () =>
    fail({ phase: 'refused' }, 'ab_test stages are reserved: run A/B tests as Experiment resources'),
  onResult: (_ctx, exec) => idle(exec),
  onTimer: (_ctx, exec) => idle(exec),
  verify: () => [],
  finish: (_ctx, exec) => ({ exec, emits: [], signal: { type: 'completed' } }),
  promotable: () => false,
  resume: (_ctx, exec) => idle(exec),
  rollback: () => [],
};
