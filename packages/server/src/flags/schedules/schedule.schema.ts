/** The shapes of scheduled flag changes: what a caller asks for and what the API returns. */
import { FlagKeySchema } from '@sluice/core/flags';
import { z } from 'zod';

/** What a scheduled change sets on the flag; every field is optional, at least one is given. */
export const scheduledChangeSchema = z
  .object({
    state: z.enum(['ENABLED', 'DISABLED']).optional(),
    defaultVariant: z.string().min(1).nullable().optional(),
    targeting: z.json().optional(),
    /** New weights of the first `fractional` operation in the targeting (see README). */
    fractionalWeights: z
      .record(z.string().min(1), z.number().int('weights are whole numbers').min(0).max(1_000_000))
      .refine((w) => Object.keys(w).length > 0, 'name at least one variant')
      .refine((w) => Object.values(w).some((n) => n > 0), 'at least one weight is above 0')
      .optional(),
  })
  .strict()
  .refine(
    (c) => Object.keys(c).length > 0,
    'set at least one of state, defaultVariant, targeting, fractionalWeights',
  )
  .meta({ id: 'ScheduledFlagChange' });
export type ScheduledChange = z.infer<typeof scheduledChangeSchema>;

export const scheduleRequestSchema = z
  .object({
    at: z.iso.datetime({ offset: true }).describe('when to apply the change (ISO 8601, in the future)'),
    set: scheduledChangeSchema,
  })
  .strict();
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;

export const scheduleStatusSchema = z.enum(['pending', 'applied', 'failed', 'cancelled']);
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;

export const flagScheduleSchema = z
  .object({
    id: z.string(),
    environment: z.string(),
    flag: FlagKeySchema,
    at: z.string(),
    set: scheduledChangeSchema,
    status: scheduleStatusSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    finishedAt: z.string().nullable(),
    /** Why it failed, or who cancelled it. */
    reason: z.string().nullable(),
    /** The flag version the change produced. */
    appliedVersion: z.number().int().nullable(),
  })
  .meta({ id: 'FlagSchedule' });
export type FlagSchedule = z.infer<typeof flagScheduleSchema>;

export const scheduleListQuerySchema = z
  .object({
    environment: z.string().max(64).optional(),
    status: scheduleStatusSchema.optional(),
    flag: FlagKeySchema.optional(),
  })
  .strict();
