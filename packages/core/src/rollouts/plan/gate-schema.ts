/** Gate schema: manual, automatic, scheduled and metric-based gates between stages. */
import { z } from 'zod';
import { thresholdMapSchema } from '../../analysis/thresholds.js';
import { durationSchema } from './strategy-schemas.js';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time HH:MM (24h)' });

export const scheduleWindowSchema = z
  .strictObject({
    days: z
      .array(z.enum(weekdays))
      .min(1)
      .default([...weekdays]),
    start: clock,
    end: clock,
    timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Madrid' }),
  })
  .refine((w) => w.start < w.end, { message: 'start must be before end', path: ['end'] });

const isoInstant = z.iso.datetime({ offset: true });

export const gateSchema = z
  .strictObject({
    type: z.enum(['manual', 'automatic', 'scheduled', 'metric_based']),
    /** Subjects or roles; each entry needs an approval from a distinct subject. */
    required_approvers: z.array(z.string().min(1)).default([]),
    allow_self_approval: z.boolean().default(false),
    metrics: z.array(z.string().min(1)).default([]),
    thresholds: thresholdMapSchema.default({}),
    /** How far back a metric gate looks. */
    window: durationSchema.default('5m'),
    timeout_minutes: z.number().positive().optional(),
    /** Entry gates act before the stage, exit gates after; the default depends on the type. */
    when: z.enum(['before', 'after']).optional(),
    not_before: isoInstant.optional(),
    schedule: scheduleWindowSchema.optional(),
    /** The seed's sample code reads `conditions.schedule_time`; kept as an alias of not_before. */
    conditions: z.strictObject({ schedule_time: isoInstant.optional() }).optional(),
  })
  .superRefine((g, ctx) => {
    if (g.type === 'manual' && g.required_approvers.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['required_approvers'],
        message: 'a manual gate needs approvers',
      });
    }
    if (g.type === 'metric_based' && g.metrics.length === 0 && Object.keys(g.thresholds).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: 'a metric_based gate needs metrics or thresholds',
      });
    }
    if (g.type === 'scheduled' && !g.not_before && !g.schedule && !g.conditions?.schedule_time) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: 'a scheduled gate needs not_before or a schedule window',
      });
    }
  });

export type Gate = z.infer<typeof gateSchema>;
export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

/** Manual and scheduled gates guard the entry of a stage; the others its exit. */
export function gatePhase(gate: Gate): 'entry' | 'exit' {
  if (gate.when) return gate.when === 'before' ? 'entry' : 'exit';
  return gate.type === 'manual' || gate.type === 'scheduled' ? 'entry' : 'exit';
}
