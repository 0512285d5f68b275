/** The rollout plan: the seed's progressive deployment format. */
import { z } from 'zod';
// analysis' zod-only files: its index imports stats, which imports plan parsing (a cycle)
import { analysisPolicySchema } from '../../analysis/policy.js';
import { thresholdMapSchema } from '../../analysis/thresholds.js';
import { gateSchema } from './gate-schema.js';
import {
  abTestConfigSchema,
  blueGreenConfigSchema,
  canaryConfigSchema,
  featureFlagConfigSchema,
  progressiveConfigSchema,
  shadowConfigSchema,
  webhookCheckSchema,
} from './strategy-schemas.js';

export { type WebhookCheck, webhookCheckSchema } from './strategy-schemas.js';

/** Stage names appear in op ids (`run/stage#1/...`), so no slashes or spaces. */
export const stageNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  message: 'must start with a letter or digit and use only letters, digits, _ . -',
});

function stageOf<S extends string, C extends z.ZodType>(strategy: S, config: C) {
  return z.strictObject({
    name: stageNameSchema,
    strategy: z.literal(strategy),
    config,
    gates: z.array(gateSchema).default([]),
    dependencies: z.array(stageNameSchema).default([]),
    rollback_on_failure: z.boolean().default(true),
    /** When not empty, only these completed stages are rolled back with this one. */
    rollback_stages: z.array(stageNameSchema).default([]),
    description: z.string().optional(),
    /** How checks become decisions: limits (Argo's), on_inconclusive, confidence. */
    analysis: analysisPolicySchema.optional(),
  });
}

export const stageSchema = z.discriminatedUnion('strategy', [
  stageOf('blue_green', blueGreenConfigSchema),
  stageOf('canary', canaryConfigSchema),
  stageOf('progressive', progressiveConfigSchema),
  stageOf('feature_flag', featureFlagConfigSchema),
  stageOf('shadow', shadowConfigSchema),
  stageOf('ab_test', abTestConfigSchema),
]);

/**
 * The post-release guard: after every stage completed (the new version at 100 %), keep
 * measuring the delivered service for `duration_seconds`; a failed check rolls the whole run
 * back to the previous release, as the seed's auto-rollback script does (error rate > 5 %,
 * mean response time > 1 s, for 300 s). The run succeeds when the guard ends without one.
 */
export const guardSchema = z.strictObject({
  metrics: thresholdMapSchema.refine((t) => Object.keys(t).length > 0, {
    message: 'name at least one metric to guard',
  }),
  duration_seconds: z
    .number()
    .positive()
    .max(7 * 86_400),
  interval_seconds: z.number().positive().max(3_600).default(30),
  /** The service to watch; by default the last stage's `app_name`. */
  app_name: z.string().min(1).optional(),
  analysis: analysisPolicySchema.optional(),
});
export type Guard = z.infer<typeof guardSchema>;

export const planSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  max_duration_hours: z.number().positive().default(24),
  parallel_stages: z.boolean().default(false),
  stages: z.array(stageSchema).min(1),
  /**
   * Which template each metric name of this plan reads: a MetricTemplate's name, or where a
   * built-in reads (`{provider: prometheus}`: the router's figures through Prometheus). Names
   * not listed read the built-in of that name, else the MetricTemplate of that name.
   * `{webhook: {...}}`: the metric is a call, not a reading (`webhookCheckSchema`).
   */
  metric_templates: z
    .record(
      z.string().min(1),
      z.union([
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, { message: 'must be a MetricTemplate name' }),
        z.strictObject({ provider: z.enum(['builtin', 'prometheus']) }),
        z.strictObject({ webhook: webhookCheckSchema }),
      ]),
    )
    .optional(),
  guard: guardSchema.optional(),
});

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Stage = Plan['stages'][number];
export type Strategy = Stage['strategy'];
export type StageOf<S extends Strategy> = Extract<Stage, { strategy: S }>;
