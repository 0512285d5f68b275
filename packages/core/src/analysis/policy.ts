/**
 * How an analysis turns check results into a decision: Argo Rollouts' limits
 * (`failureLimit`, `inconclusiveLimit`, `consecutiveErrorLimit`, pause-or-fail on inconclusive)
 * and the statistical judge's confidence. Written per stage as `analysis:` in snake_case, like
 * the rest of the plan.
 */
import { z } from 'zod';

export const analysisPolicySchema = z.strictObject({
  /** Failed checks a metric may have before the analysis fails (Argo's failureLimit; 0: the first). */
  failure_limit: z.int().min(0).default(0),
  /**
   * Inconclusive checks a metric may have before `on_inconclusive` applies (Argo's
   * inconclusiveLimit). Absent: measure again until the step's deadline, then `on_inconclusive`.
   */
  inconclusive_limit: z.int().min(0).optional(),
  /** What too many (or still) inconclusive checks do: pause the run for a person, or fail. */
  on_inconclusive: z.enum(['pause', 'fail']).default('fail'),
  /** Provider errors in a row a metric may have before the analysis fails (Argo's default 4). */
  consecutive_error_limit: z.int().min(0).default(4),
  /**
   * Confidence of every statistical decision: a reading fails a bound only when its interval
   * lies wholly past it, and the baseline comparison rejects at 1 − confidence.
   */
  confidence: z.number().min(0.8).max(0.9999).default(0.99),
  /** Compare the canary with its baseline when readings carry both (sequential test, Mann–Whitney). */
  compare: z.boolean().default(true),
});
export type AnalysisPolicy = z.infer<typeof analysisPolicySchema>;
export type AnalysisPolicyInput = z.input<typeof analysisPolicySchema>;

/** The policy of a stage that writes no `analysis:`. */
export const DEFAULT_POLICY: AnalysisPolicy = analysisPolicySchema.parse({});

export function policyOf(input: AnalysisPolicyInput | undefined): AnalysisPolicy {
  return input === undefined ? DEFAULT_POLICY : analysisPolicySchema.parse(input);
}
