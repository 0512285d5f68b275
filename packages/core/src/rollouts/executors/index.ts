import type { Strategy } from '../plan/plan-schema.js';
import { abTestExecutor } from './ab-test.js';
import { blueGreenExecutor } from './blue-green.js';
import { canaryExecutor } from './canary.js';
import { featureFlagExecutor } from './feature-flag.js';
import { progressiveExecutor } from './progressive.js';
import { shadowExecutor } from './shadow.js';
import type { StrategyExecutor } from './types.js';

export * from './ab-test.js';
export * from './blue-green.js';
export * from './canary.js';
export * from './common.js';
export * from './feature-flag.js';
export * from './progressive.js';
export * from './shadow.js';
export * from './types.js';

const registry: { [S in Strategy]: StrategyExecutor<S, never> } = {
  blue_green: blueGreenExecutor as StrategyExecutor<'blue_green', never>,
  canary: canaryExecutor as StrategyExecutor<'canary', never>,
  progressive: progressiveExecutor as StrategyExecutor<'progressive', never>,
  feature_flag: featureFlagExecutor as StrategyExecutor<'feature_flag', never>,
  shadow: shadowExecutor as StrategyExecutor<'shadow', never>,
  ab_test: abTestExecutor as StrategyExecutor<'ab_test', never>,
};

/** The executor for a strategy, with its state type erased (the machine stores it as JSON). */
export function executorFor(strategy: Strategy): StrategyExecutor<Strategy, unknown> {
  return registry[strategy] as unknown as StrategyExecutor<Strategy, unknown>;
}
