/** Config schemas, one per strategy. Every key the seed's example and sample code reads is here. */
import { z } from 'zod';
import { thresholdMapSchema } from '../../analysis/thresholds.js';
import { isDuration } from '../text.js';

export const durationSchema = z
  .string()
  .refine(isDuration, { message: 'must be a duration such as 30s, 10m or 2h' });

const appName = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: 'must be a DNS label: lower-case letters, digits and dashes',
});
const workload = {
  app_name: appName,
  image: z.string().min(1).optional(),
  namespace: z.string().min(1).default('default'),
  replicas: z.number().int().positive().optional(),
};

const percent = z.number().min(0).max(100);

export const smokeTestSchema = z.strictObject({
  endpoint: z.string().startsWith('/', { message: 'must be a path starting with /' }),
  expected_status: z.number().int().min(100).max(599).default(200),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  timeout_seconds: z.number().positive().default(5),
});

export const healthCheckSchema = z.strictObject({
  endpoint: z.string().startsWith('/', { message: 'must be a path starting with /' }).default('/health'),
  retries: z.number().int().min(1).max(20).default(5),
  /** Base of the exponential backoff between attempts: base, 2·base, 4·base … */
  interval_seconds: z.number().positive().default(2),
  timeout_seconds: z.number().positive().default(5),
});

/**
 * A check that is a call (a Flagger `rollout` webhook): at each analysis the run POSTs Flagger's
 * payload to `url`; a 2xx answer reads 1, anything else (or no answer in time) 0, with why.
 * The URL reaches the host, so writing it needs an admin token (like a Canary's webhooks).
 */
export const webhookCheckSchema = z.strictObject({
  /** Flagger's payload `name`: the canary's name. */
  canary: z.string().min(1),
  /** Flagger's payload `namespace` (the Canary's label); default: the environment. */
  namespace: z.string().min(1).optional(),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  timeout_seconds: z.number().positive().max(60).default(60),
  metadata: z.record(z.string(), z.string()).default({}),
});
export type WebhookCheck = z.infer<typeof webhookCheckSchema>;

/** Flagger's webhook types a canary stage calls at its own points (`rollout` is a check instead). */
export const STAGE_WEBHOOK_TYPES = [
  'confirm-rollout',
  'pre-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event',
] as const;

/**
 * A call a canary stage makes at a point of its walk, with Flagger's payload and meaning:
 * confirm-rollout before the deploy (no answer 2xx: wait), pre-rollout before the first traffic
 * (a failure counts toward the analysis' failure limit), confirm-traffic-increase before each
 * weight increase and confirm-promotion before promotion (no: hold the weight, keep analysing),
 * post-rollout after promotion or rollback (its answer changes nothing), rollback at each analysis
 * interval (2xx: roll back), event for each notice (fire and forget). Admin only, like checks.
 */
export const stageWebhookSchema = webhookCheckSchema.extend({
  type: z.enum(STAGE_WEBHOOK_TYPES),
  name: z.string().min(1).max(253),
});
export type StageWebhook = z.infer<typeof stageWebhookSchema>;
export type StageWebhookType = StageWebhook['type'];

export const blueGreenConfigSchema = z.strictObject({
  ...workload,
  smoke_tests: z.array(smokeTestSchema).default([]),
  health_check: healthCheckSchema.default(() => healthCheckSchema.parse({})),
  /** How long the deploy provider may take to make the new version ready. */
  ready_timeout_seconds: z.number().positive().default(300),
  /** The previous version is kept running this long after the switch (Argo's name). */
  scale_down_delay_seconds: z.number().min(0).default(30),
});

export const canaryConfigSchema = z
  .strictObject({
    ...workload,
    initial_weight: percent.default(5),
    increment: z.number().positive().max(100).default(10),
    max_weight: percent.default(100),
    /** Explicit steps (Flagger's stepWeights), ascending; after the last one, max_weight. */
    weights: z.array(percent.positive()).min(1).max(100).optional(),
    interval_seconds: z.number().positive().default(300),
    monitor_duration_minutes: z.number().min(0).default(30),
    /** Maxima by metric name (`error_rate: 1.0`), or `{min, max, min_samples}`. */
    thresholds: thresholdMapSchema.default({}),
    ready_timeout_seconds: z.number().positive().default(300),
    /** Calls at points of the walk (Flagger's webhook types other than `rollout`). */
    webhooks: z.array(stageWebhookSchema).max(50).default([]),
  })
  .refine((c) => c.initial_weight <= c.max_weight, {
    message: 'initial_weight must not exceed max_weight',
    path: ['initial_weight'],
  })
  .refine(
    (c) =>
      !c.weights ||
      c.weights.every((w, i) => w <= c.max_weight && (i === 0 || w > (c.weights?.[i - 1] ?? 0))),
    {
      message: 'weights must rise step by step and not exceed max_weight',
      path: ['weights'],
    },
  );

export const rolloutStageSchema = z.strictObject({
  percentage: percent,
  duration_minutes: z.number().min(0).default(60),
  /** `max_error_rate`, `max_latency_p95` … bound the metric named after the prefix. */
  thresholds: thresholdMapSchema.default({}),
});

export const targetingOperators = [
  'in',
  'not_in',
  'equals',
  'not_equals',
  'greater_than',
  'greater_than_or_equal',
  'less_than',
  'less_than_or_equal',
  'contains',
  'starts_with',
  'ends_with',
  'semver_equals',
  'semver_greater_than',
  'semver_less_than',
] as const;

const jsonValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

export const targetingRuleSchema = z.strictObject({
  attribute: z.string().min(1),
  operator: z.enum(targetingOperators),
  value: jsonValue,
  return_value: z.union([z.string(), z.number(), z.boolean()]).default(true),
});

export const featureFlagConfigSchema = z
  .strictObject({
    flag_key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'must be a flag key' }),
    name: z.string().optional(),
    description: z.string().default(''),
    type: z.enum(['boolean', 'string', 'number']).default('boolean'),
    /** Served outside the rollout share (the "off" variant). */
    default_value: z.union([z.string(), z.number(), z.boolean()]).default(false),
    /** Served inside the rollout share (the "on" variant). */
    enabled_value: z.union([z.string(), z.number(), z.boolean()]).default(true),
    environment: z.string().min(1).optional(),
    rollout_enabled: z.boolean().default(true),
    initial_percentage: percent.default(0),
    progressive_rollout: z.boolean().default(false),
    rollout_stages: z.array(rolloutStageSchema).default([]),
    targeting_enabled: z.boolean().default(false),
    targeting_rules: z.array(targetingRuleSchema).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.progressive_rollout && c.rollout_stages.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollout_stages'],
        message: 'progressive_rollout needs rollout_stages',
      });
    }
    c.rollout_stages.forEach((s, i) => {
      const prev = c.rollout_stages[i - 1];
      if (prev && s.percentage < prev.percentage) {
        ctx.addIssue({
          code: 'custom',
          path: ['rollout_stages', i, 'percentage'],
          message: `must not be lower than the previous stage (${prev.percentage})`,
        });
      }
    });
    for (const key of ['default_value', 'enabled_value'] as const) {
      if (typeof c[key] !== c.type) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must be a ${c.type} (the flag's type)` });
      }
    }
  });

export const analysisStepSchema = z.strictObject({
  metrics: z.array(z.string().min(1)).default([]),
  thresholds: thresholdMapSchema.default({}),
  window: durationSchema.default('5m'),
});

/** Argo-like explicit steps. A pause without duration waits for `resume` (or `promote`). */
export const progressiveStepSchema = z.union([
  z.strictObject({ setWeight: percent }),
  z.strictObject({ pause: z.strictObject({ duration: durationSchema.optional() }) }),
  z.strictObject({ analysis: analysisStepSchema }),
]);

export const progressiveConfigSchema = z.strictObject({
  ...workload,
  steps: z.array(progressiveStepSchema).min(1),
  ready_timeout_seconds: z.number().positive().default(300),
});

export const shadowConfigSchema = z.strictObject({
  ...workload,
  mirror_percent: z.number().gt(0).max(100).default(100),
  duration_minutes: z.number().positive().default(30),
  /** E.g. `max_error_rate`, `max_latency_p95`, `max_status_mismatch_rate`. */
  thresholds: thresholdMapSchema.refine((t) => Object.keys(t).length > 0, {
    message: 'a shadow stage needs at least one threshold to judge the mirrored traffic',
  }),
  ready_timeout_seconds: z.number().positive().default(300),
});

/** Reserved: A/B experiments run as Experiment resources; the plan may name one. */
/**
 * Runs an Experiment as a stage: starts it, reads its verdict every `check_interval_minutes`,
 * passes on "ship" (the winner is then rolled out to everyone through the experiment's flag),
 * fails on "stop".
 */
export const abTestConfigSchema = z.strictObject({
  experiment: z.string().min(1).max(128),
  check_interval_minutes: z.number().positive().max(10_080).default(60),
});

export type BlueGreenConfig = z.infer<typeof blueGreenConfigSchema>;
export type CanaryConfig = z.infer<typeof canaryConfigSchema>;
export type FeatureFlagConfig = z.infer<typeof featureFlagConfigSchema>;
export type TargetingRule = z.infer<typeof targetingRuleSchema>;
export type ProgressiveConfig = z.infer<typeof progressiveConfigSchema>;
export type ProgressiveStep = z.infer<typeof progressiveStepSchema>;
export type ShadowConfig = z.infer<typeof shadowConfigSchema>;
export type AbTestConfig = z.infer<typeof abTestConfigSchema>;
