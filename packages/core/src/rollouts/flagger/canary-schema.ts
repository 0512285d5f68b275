/**
 * Flagger's `Canary` (flagger.app/v1beta1) as Sluice reads it. Loose on purpose: a peer's file
 * applies unchanged, so fields Sluice does not act on (ports, gateways, mesh settings) are kept
 * and listed as ignored by the translation, never refused. What Sluice acts on is checked.
 */
import { z } from 'zod';
import { STAGE_WEBHOOK_TYPES } from '../plan/strategy-schemas.js';
import { isDuration, parseDuration } from '../text.js';

const duration = z.string().refine(isDuration, { message: 'must be a duration such as 30s, 1m or 2h' });
const percent = z.number().min(0).max(100);

/** Flagger's webhook types: a canary stage's own call points, and `rollout` (a check). */
export const FLAGGER_WEBHOOK_TYPES = [...STAGE_WEBHOOK_TYPES, 'rollout'] as const;
export type FlaggerWebhookType = (typeof FLAGGER_WEBHOOK_TYPES)[number];

export const flaggerMetricSchema = z
  .looseObject({
    name: z.string().min(1),
    interval: duration.optional(),
    thresholdRange: z
      .looseObject({ min: z.number().optional(), max: z.number().optional() })
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
        message: 'min is above max: no value could pass',
        path: ['min'],
      })
      .optional(),
    /** Flagger's deprecated bare threshold: a maximum. */
    threshold: z.number().optional(),
    templateRef: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }).optional(),
  })
  .refine((m) => !m.interval || parsePositive(m.interval), {
    message: 'must be longer than zero',
    path: ['interval'],
  });

export const flaggerWebhookSchema = z.looseObject({
  name: z.string().min(1),
  type: z.enum(FLAGGER_WEBHOOK_TYPES).default('rollout'),
  url: z.url({ protocol: /^https?$/ }),
  timeout: duration.optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type FlaggerWebhook = z.infer<typeof flaggerWebhookSchema>;

export const flaggerAnalysisSchema = z.looseObject({
  interval: duration.refine(parsePositive, { message: 'must be longer than zero' }).default('1m'),
  threshold: z.int().min(1).default(1),
  maxWeight: percent.optional(),
  stepWeight: percent.positive().optional(),
  stepWeights: z
    .array(percent.positive())
    .min(1)
    .max(100)
    .refine((ws) => ws.every((w, i) => i === 0 || w > (ws[i - 1] as number)), {
      message: 'must rise step by step',
    })
    .optional(),
  iterations: z.int().min(1).optional(),
  metrics: z.array(flaggerMetricSchema).default([]),
  webhooks: z.array(flaggerWebhookSchema).default([]),
});

/** The stored spec: Flagger's `spec`, plus its `metadata.namespace` kept as a label. */
export const flaggerCanarySpecSchema = z
  .looseObject({
    /** Flagger's `metadata.namespace`: a label (fills `{{ namespace }}`), not an environment. */
    namespace: z.string().min(1).optional(),
    targetRef: z.looseObject({
      kind: z.string().optional(),
      apiVersion: z.string().optional(),
      name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
        message: 'must be a Service name: lower-case letters, digits and dashes',
      }),
    }),
    service: z.looseObject({ hosts: z.array(z.string().min(1)).optional() }).default({}),
    analysis: flaggerAnalysisSchema,
  })
  .meta({ id: 'CanarySpec', description: "Flagger's Canary spec (flagger.app/v1beta1)" });
export type FlaggerCanarySpec = z.infer<typeof flaggerCanarySpecSchema>;
export type FlaggerCanarySpecInput = z.input<typeof flaggerCanarySpecSchema>;

function parsePositive(text: string): boolean {
  return isDuration(text) && parseDuration(text) > 0;
}
