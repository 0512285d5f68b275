/**
 * A simulator scenario: scripted metric readings, approvals, failures and operator actions on
 * a virtual clock. Times are offsets from the start of the run ("90s", "10m", "2h").
 */
import { z } from 'zod';
import { RolloutScenarioInvalid } from '../errors.js';
import { issuesToFields } from '../plan/parse.js';
import { durationSchema } from '../plan/strategy-schemas.js';
import { isDuration } from '../text.js';

/**
 * One reading per metric, from `at` until the next sample; `null` means no value. Written flat
 * as in YAML (`{at: 10m, error_rate: 0.5, sample_count: 200}`); `error` makes every metric of
 * the sample a provider error.
 */
export const metricSampleSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.null()]))
  .superRefine((sample, ctx) => {
    for (const [key, value] of Object.entries(sample)) {
      if (key === 'at') {
        if (typeof value !== 'string' || !isDuration(value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['at'],
            message: 'must be a duration such as 30s, 10m or 2h',
          });
        }
      } else if (key === 'error') {
        if (typeof value !== 'string')
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be a string' });
      } else if (key === 'sample_count') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be a non-negative integer' });
        }
      } else if (typeof value === 'string') {
        ctx.addIssue({ code: 'custom', path: [key], message: 'a metric value must be a number or null' });
      }
    }
    if (!('at' in sample)) ctx.addIssue({ code: 'custom', path: ['at'], message: 'is required' });
  })
  .transform((sample) => {
    const values: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(sample)) {
      if (key !== 'at' && key !== 'error' && key !== 'sample_count' && typeof value !== 'string')
        values[key] = value;
    }
    return {
      at: String(sample.at),
      sampleCount: typeof sample.sample_count === 'number' ? sample.sample_count : undefined,
      error: typeof sample.error === 'string' ? sample.error : undefined,
      values,
    };
  });

const commandKinds = [
  'deploy',
  'health_check',
  'smoke_test',
  'set_traffic',
  'retire',
  'set_flag',
  'restore_flag',
  'measure',
  'call_webhook',
] as const;

export const scenarioSchema = z.strictObject({
  name: z.string().optional(),
  started_by: z.string().min(1).default('release-bot'),
  /** Stop the simulation at this offset even if the run is still going. */
  until: durationSchema.optional(),
  /** How long each command takes to answer. */
  command_latency: durationSchema.default('1s'),
  /** Default sample count of a reading. */
  sample_count: z.number().int().nonnegative().default(100),
  metrics: z.record(z.string(), z.array(metricSampleSchema)).default({}),
  approvals: z
    .array(
      z.strictObject({
        at: durationSchema,
        stage: z.string().min(1),
        subject: z.string().min(1),
        roles: z.array(z.string()).default([]),
        comment: z.string().optional(),
      }),
    )
    .default([]),
  rejections: z
    .array(
      z.strictObject({
        at: durationSchema,
        stage: z.string().min(1),
        subject: z.string().min(1),
        reason: z.string().min(1),
      }),
    )
    .default([]),
  failures: z
    .array(
      z.strictObject({
        stage: z.string().min(1),
        command: z.enum(commandKinds),
        at: durationSchema.default('0s'),
        /** How many times it fails; every time when absent. */
        times: z.number().int().positive().optional(),
        error: z.string().default('scripted failure'),
      }),
    )
    .default([]),
  controls: z
    .array(
      z
        .strictObject({
          at: durationSchema,
          action: z.enum(['pause', 'resume', 'abort', 'promote', 'retry', 'emergency', 'watchdog']),
          stage: z.string().optional(),
          subject: z.string().optional(),
          reason: z.string().optional(),
        })
        .refine((c) => c.action !== 'retry' || c.stage !== undefined, {
          message: 'retry needs a stage',
          path: ['stage'],
        }),
    )
    .default([]),
  /** The version a flag has before the run (set_flag answers with it); absent: it did not exist. */
  flags: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type MetricSample = z.infer<typeof metricSampleSchema>;

export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (r.success) return r.data;
  const fields = issuesToFields(scenarioSchema, input, r.error.issues);
  throw RolloutScenarioInvalid(`${fields[0]?.path}: ${fields[0]?.message}`, { fields });
}
