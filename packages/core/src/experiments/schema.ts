/**
 * The Experiment: the seed's format (`traffic_split`, `targeting.user_segments`,
 * `targeting.geo_locations`, `metrics.primary|secondary`, `duration_days`, `min_sample_size`)
 * plus Sluice's few extras (`salt`, `layer`, `targeting.rule`, `metrics.definitions`,
 * `minimum_detectable_effect`, `winner`, `cuped`). One zod schema gives the type, the validation and the
 * OpenAPI shape.
 */
import { z } from 'zod';

/** Buckets every user hashes into; a traffic split's percentages are whole hundredths of them. */
export const BUCKETS = 10_000;

/** Arms and metric/event names: safe in URLs, flag variants, metric labels. */
const ARM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const ArmNameSchema = z
  .string()
  .regex(ARM_PATTERN, 'arm names are 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
export const MetricNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'metric names are lower-case: letters, digits, "_", "." or "-"');
/** The same rule as event names in `POST /api/v1/events`. */
export const EventNameSchema = MetricNameSchema;

/** The arm every other arm is compared with. */
export const CONTROL = 'control';

export const EXPERIMENT_STATUSES = ['draft', 'active', 'stopped', 'concluded'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

const direction = { lower_is_better: z.boolean().optional() };

/**
 * How a metric is read from a user's events (see README): `conversion` (share of users with the
 * event), `count` and `sum` (per exposed user: events, or their `value`s), `mean` and `duration`
 * (per user with the event: the mean `value`), `ratio` (events of `numerator` over events of
 * `denominator`, delta method).
 */
export const MetricDefinitionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('conversion'), event: EventNameSchema, ...direction }),
  z.strictObject({ kind: z.literal('count'), event: EventNameSchema, ...direction }),
  z.strictObject({ kind: z.literal('sum'), event: EventNameSchema, ...direction }),
  z.strictObject({ kind: z.literal('mean'), event: EventNameSchema, ...direction }),
  z.strictObject({ kind: z.literal('duration'), event: EventNameSchema, ...direction }),
  z.strictObject({
    kind: z.literal('ratio'),
    numerator: EventNameSchema,
    denominator: EventNameSchema,
    ...direction,
  }),
]);
export type MetricDefinition = z.infer<typeof MetricDefinitionSchema>;
export type MetricKind = MetricDefinition['kind'];

const percent = z.number().min(0, 'must be 0 or more').max(100, 'must be at most 100');
const hundredths = (x: number) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;

export const TrafficSplitSchema = z
  .record(ArmNameSchema, percent)
  .superRefine((split, ctx) => {
    const arms = Object.keys(split);
    if (!arms.includes(CONTROL))
      ctx.addIssue({ code: 'custom', message: `needs an arm named "${CONTROL}" (the baseline)` });
    if (arms.length < 2) ctx.addIssue({ code: 'custom', message: 'needs at least two arms' });
    for (const [arm, share] of Object.entries(split)) {
      if (!hundredths(share))
        ctx.addIssue({ code: 'custom', path: [arm], message: 'shares are whole hundredths of a percent' });
    }
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 100) > 1e-6)
      ctx.addIssue({ code: 'custom', message: `the shares add up to ${total}, not 100` });
  })
  .describe('arm → percent of the users who enter; adds up to 100; "control" is the baseline');

export const LayerSchema = z
  .strictObject({
    name: MetricNameSchema.describe('experiments in one layer never share a user'),
    from: percent.describe("start of this experiment's slice of the layer's users, percent"),
    to: percent.describe('end of the slice (exclusive), percent'),
  })
  .refine((l) => l.from < l.to, { path: ['to'], message: 'must be above from' })
  .refine((l) => hundredths(l.from) && hundredths(l.to), {
    path: ['from'],
    message: 'slices are whole hundredths of a percent',
  });
export type Layer = z.infer<typeof LayerSchema>;

export const ExperimentSpecSchema = z
  .strictObject({
    name: z.string().max(200).optional().describe('display name'),
    description: z.string().max(2000).default(''),
    status: z
      .enum(EXPERIMENT_STATUSES)
      .default('draft')
      .describe('draft → active (running) → stopped | concluded'),
    traffic_split: TrafficSplitSchema,
    targeting: z
      .strictObject({
        user_segments: z
          .array(z.string().min(1).max(128))
          .max(100)
          .optional()
          .describe('Segments by name; any of them admits the user'),
        geo_locations: z
          .array(z.string().min(1).max(64))
          .max(300)
          .optional()
          .describe("the context's `country`, compared as given"),
        rule: z.json().optional().describe('any JsonLogic rule over the context, as in flag targeting'),
      })
      .optional(),
    metrics: z.strictObject({
      primary: MetricNameSchema,
      secondary: z.array(MetricNameSchema).max(20).default([]),
      definitions: z
        .record(MetricNameSchema, MetricDefinitionSchema)
        .optional()
        .describe('metrics beyond the predefined ones'),
      source: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe("a MetricSource: per-user metric rows read from the team's warehouse, besides events"),
    }),
    duration_days: z.number().positive('must be above 0').max(365, 'at most 365'),
    min_sample_size: z.int('must be a whole number').min(1, 'must be 1 or more').max(1e9),
    salt: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('assignment salt; default: the experiment key. A new salt re-randomises'),
    layer: LayerSchema.optional(),
    minimum_detectable_effect: z
      .number()
      .positive()
      .max(10)
      .optional()
      .describe('relative effect worth detecting (0.05 = 5 %); default 0.1'),
    winner: ArmNameSchema.optional().describe('the arm everyone gets once concluded'),
    cuped: z
      .strictObject({
        pre_period_days: z
          .int('must be a whole number')
          .min(1, 'must be 1 or more')
          .max(90, 'at most 90')
          .default(14)
          .describe("days before each user's first exposure whose events are the covariate; default 14"),
      })
      .optional()
      .describe(
        'CUPED: each conversion, count and sum metric is also reported adjusted for the same metric in the pre-period',
      ),
  })
  .superRefine((spec, ctx) => {
    if (spec.winner !== undefined && !Object.hasOwn(spec.traffic_split, spec.winner)) {
      ctx.addIssue({
        code: 'custom',
        path: ['winner'],
        message: `"${spec.winner}" is not one of the arms (${Object.keys(spec.traffic_split).join(', ')})`,
      });
    }
  })
  .meta({ id: 'ExperimentSpec' });
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpecSchema>;

export const DEFAULT_MINIMUM_DETECTABLE_EFFECT = 0.1;

/** The arms in the order the split lists them, control first. */
export function armsOf(spec: Pick<ExperimentSpec, 'traffic_split'>): string[] {
  const arms = Object.keys(spec.traffic_split);
  return [CONTROL, ...arms.filter((a) => a !== CONTROL)];
}
