/** The shape of `GET /api/v1/experiments/{key}/results` (for the OpenAPI document and clients). */
import { z } from 'zod';

const interval = z.tuple([z.number(), z.number()]).nullable();
const n = z.number().nullable();

export const cupedComparisonSchema = z
  .object({
    theta: n.meta({ description: 'pooled within-arm slope of the metric on its pre-period value' }),
    controlMean: n.meta({ description: "control's adjusted mean: Ȳ − θ(X̄ − X̄ of both arms)" }),
    treatmentMean: n.meta({ description: "this arm's adjusted mean" }),
    absoluteLift: n,
    relativeLift: n.meta({ description: 'absolute lift / adjusted control mean' }),
    ci: interval.meta({ description: '95 % interval of the adjusted absolute lift (fixed horizon)' }),
    pValue: n.meta({ description: 'fixed-horizon, two-sided (normal); the verdict does not use it' }),
    varianceReduction: n.meta({ description: '1 − adjusted / unadjusted variance of the lift' }),
    reason: z.string().optional(),
  })
  .nullable()
  .meta({
    description:
      'CUPED: the lift adjusted for the same metric in the pre-period (conversion, count and sum metrics); null when the experiment has no `cuped`',
  });

export const comparisonSchema = z.object({
  arm: z.string(),
  absoluteLift: n,
  relativeLift: n,
  ci: interval.meta({ description: '95 % interval of the absolute lift' }),
  relativeCi: interval,
  pValue: n.meta({ description: 'fixed-horizon, two-sided' }),
  pValueAdjusted: n.meta({ description: 'Holm within the family (primary, or secondary)' }),
  sequentialPValue: n.meta({ description: 'always-valid (mSPRT): safe to read at every look' }),
  sequentialPValueAdjusted: n,
  sequentialCi: interval.meta({ description: 'confidence sequence of the absolute lift' }),
  chanceToBeatControl: n,
  expectedLoss: n,
  cuped: cupedComparisonSchema,
  reason: z.string().optional(),
});

export const resultsSchema = z
  .object({
    experiment: z.string(),
    environment: z.string(),
    status: z.enum(['draft', 'active', 'stopped', 'concluded']),
    startedAt: z.string().nullable(),
    daysRunning: z.number(),
    durationDays: z.number(),
    run: z
      .object({
        startedAt: z.string().nullable(),
        startedBy: z.string().nullable(),
        stoppedAt: z.string().nullable(),
        stoppedBy: z.string().nullable(),
        concludedAt: z.string().nullable(),
        concludedBy: z.string().nullable(),
      })
      .nullable(),
    arms: z.array(z.object({ arm: z.string(), share: z.number(), users: z.number() })),
    srm: z.object({
      checked: z.boolean(),
      mismatch: z.boolean(),
      pValue: n,
      chiSquare: n,
      df: z.number(),
      expectedCounts: z.array(z.number()),
      reason: z.string().optional(),
    }),
    sampleSize: z.object({
      users: z.number(),
      smallestArm: z.number(),
      minimumPerArm: z.number(),
      neededPerArm: n,
      minimumDetectableEffect: z.number(),
      reason: z.string().optional(),
    }),
    metrics: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['conversion', 'count', 'sum', 'mean', 'duration', 'ratio']),
        role: z.enum(['primary', 'secondary']),
        lowerIsBetter: z.boolean(),
        source: z.enum(['defined', 'predefined', 'assumed']),
        arms: z.array(z.object({ arm: z.string(), n: z.number(), value: n })),
        comparisons: z.array(comparisonSchema),
      }),
    ),
    source: z
      .union([
        z.object({ rows: z.number(), through: z.string().nullable() }),
        z.object({ error: z.string() }),
      ])
      .optional()
      .meta({ description: 'the MetricSource read before computing, when the experiment has one' }),
    verdict: z.object({
      decision: z.enum(['ship', 'stop', 'keep_running']),
      arm: z.string().optional(),
      reason: z.string(),
    }),
  })
  .meta({ id: 'ExperimentResults' });
