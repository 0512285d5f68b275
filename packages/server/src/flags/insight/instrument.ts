import type { FlagsService } from '../flags.service.js';
import type { EvaluationInsight } from './evaluation-insight.js';

/**
 * Counts the evaluations `FlagsService.evaluate` serves (the control plane's evaluate route and
 * `sluice flag eval`). Results without a variant (unknown flag, type mismatch, disabled flag)
 * are not counted, so random keys cannot grow the metric's label set.
 */
export function countEvaluations(flags: FlagsService, insight: EvaluationInsight): FlagsService {
  const evaluate = flags.evaluate.bind(flags);
  flags.evaluate = async (environment, flag, requested, context) => {
    const result = await evaluate(environment, flag, requested, context);
    if (result.variant !== undefined) insight.recordEvaluation(environment, flag, result.variant);
    return result;
  };
  return flags;
}
