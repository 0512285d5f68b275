/**
 * A simulator scenario: scripted metric readings, approvals, failures and operator actions on
 * a virtual clock. Times are offsets from the start of the run ("90s", "10m", "2h").
 */
import { z } from 'zod';
import { RolloutScenarioInvalid } from '../errors.js';
import { issuesToFields } from '../plan/parse.js';
import { durationSchema } from '../plan/strategy-schemas.js';

/** One reading per listed metric, from `at` until the next sample; `null` means no value. */
export const metricSampleSchema = z
  .object({
    at: durationSchema,
    sample_count: z.number().int().nonnegative().optional(),
    /** A provider error: every metric of this sample comes back as an error. */
    error: z.string().optional(),
  })
  .catchall(z.number().nullable());

const commandKinds = [
  'deploy',
  'health_check',
  'smoke_test',
  'set_traffic',
  'retire',
  'set_flag',
  'restore_flag',
  'measure',
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
      z.strictObject({
        at: durationSchema,
        action: z.enum(['pause', 'resume', 'abort', 'promote', 'retry', 'emergency', 'watchdog']),
        stage: z.string().optional(),
        subject: z.string().optional(),
        reason: z.string().optional(),
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
