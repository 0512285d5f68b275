/**
 * OFREP's wire shapes (reference/ofrep-openapi.yaml, v0.3.0), one zod schema each: they give the
 * TypeScript types the routes build and let tests check responses against the spec.
 */
import { z } from 'zod';

const metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** A success; `value` is absent in the "code default" form (the caller's default applies). */
export const evaluationSuccessSchema = z
  .object({
    key: z.string(),
    reason: z.string(),
    variant: z.string().optional(),
    value: z.json().optional(),
    metadata: metadata.optional(),
  })
  .strict();
export type EvaluationSuccess = z.infer<typeof evaluationSuccessSchema>;

export const evaluationFailureSchema = z
  .object({
    key: z.string(),
    errorCode: z.enum([
      'PARSE_ERROR',
      'TARGETING_KEY_MISSING',
      'INVALID_CONTEXT',
      'GENERAL',
      'FLAG_NOT_FOUND',
      'TYPE_MISMATCH',
    ]),
    errorDetails: z.string().optional(),
    metadata: metadata.optional(),
  })
  .strict();
export type EvaluationFailure = z.infer<typeof evaluationFailureSchema>;

export const eventStreamSchema = z
  .object({
    type: z.literal('sse'),
    endpoint: z.object({ requestUri: z.string().startsWith('/') }).strict(),
    inactivityDelaySec: z.number().int().min(1),
  })
  .strict();
export type EventStream = z.infer<typeof eventStreamSchema>;

export const bulkEvaluationSuccessSchema = z
  .object({
    flags: z.array(z.union([evaluationSuccessSchema, evaluationFailureSchema])),
    metadata: metadata.optional(),
    eventStreams: z.array(eventStreamSchema).optional(),
  })
  .strict();
export type BulkEvaluationSuccess = z.infer<typeof bulkEvaluationSuccessSchema>;

/** A whole-request failure (bulk 400) — also used, without `key`, for 401/403/413/415/500. */
export const generalFailureSchema = z
  .object({ errorCode: z.string().optional(), errorDetails: z.string().optional() })
  .strict();
export type GeneralFailure = z.infer<typeof generalFailureSchema>;

/** The JSON inside each change-stream event's `data`. */
export const sseEventDataSchema = z
  .object({
    type: z.literal('refetchEvaluation'),
    etag: z.string().optional(),
    lastModified: z.number().int().min(0).optional(),
  })
  .strict();
export type SseEventData = z.infer<typeof sseEventDataSchema>;
