/** Events the state machine consumes. Versioned, validated, replayable. */
import { z } from 'zod';
import { RolloutEventInvalid } from './errors.js';
import { MAX_TIME_SCALE } from './pace.js';
import { issuesToFields } from './plan/parse.js';

export const EVENT_SCHEMA_VERSION = 1;
const v = { schemaVersion: z.literal(EVENT_SCHEMA_VERSION).default(EVENT_SCHEMA_VERSION) };
const actor = { subject: z.string().min(1).optional() };

export const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...v,
    type: z.literal('run_started'),
    startedBy: z.string().min(1),
    /** Run the plan this many times faster than it says (pace.ts); absent in real time. */
    timeScale: z.number().min(1).max(MAX_TIME_SCALE).optional(),
  }),
  z.strictObject({
    ...v,
    type: z.literal('command_result'),
    opId: z.string().min(1),
    ok: z.boolean(),
    /** measure: `{measurements: Measurement[]}`; set_flag: `{previousVersion: number|null}`. */
    data: z.record(z.string(), z.unknown()).default({}),
    error: z.string().optional(),
  }),
  z.strictObject({ ...v, type: z.literal('timer_fired'), timerId: z.string().min(1) }),
  z.strictObject({
    ...v,
    type: z.literal('approve'),
    stage: z.string().min(1),
    subject: z.string().min(1),
    roles: z.array(z.string().min(1)).default([]),
    comment: z.string().optional(),
  }),
  z.strictObject({
    ...v,
    type: z.literal('reject'),
    stage: z.string().min(1),
    subject: z.string().min(1),
    reason: z.string().min(1),
  }),
  z.strictObject({ ...v, ...actor, type: z.literal('pause'), reason: z.string().optional() }),
  z.strictObject({ ...v, ...actor, type: z.literal('resume') }),
  z.strictObject({
    ...v,
    ...actor,
    type: z.literal('abort'),
    reason: z.string().default('aborted by operator'),
  }),
  z.strictObject({ ...v, ...actor, type: z.literal('promote'), stage: z.string().min(1).optional() }),
  z.strictObject({ ...v, ...actor, type: z.literal('retry'), stage: z.string().min(1) }),
  z.strictObject({
    ...v,
    ...actor,
    type: z.literal('emergency'),
    reason: z.string().default('emergency stop'),
  }),
  z.strictObject({ ...v, type: z.literal('watchdog') }),
  z.strictObject({
    ...v,
    type: z.literal('breach'),
    /** The stage whose canary was measured when the routers pushed new counts. */
    stage: z.string().min(1),
    /** A measure result, as a `measure` command answers: `{measurements, queries}`. */
    data: z.record(z.string(), z.unknown()),
    /** Looks the fast path took at this stage before this one (each spends its share of α). */
    looks: z.number().int().min(0).max(1_000_000).default(0),
  }),
]);

export type RolloutEvent = z.infer<typeof eventSchema>;
export type RolloutEventInput = z.input<typeof eventSchema>;
export type EventOf<T extends RolloutEvent['type']> = Extract<RolloutEvent, { type: T }>;

/** Validates an event from outside (API, database); throws ROLLOUT_EVENT_INVALID. */
export function parseEvent(input: unknown): RolloutEvent {
  const r = eventSchema.safeParse(input);
  if (r.success) return r.data;
  const fields = issuesToFields(eventSchema, input, r.error.issues);
  throw RolloutEventInvalid(`${fields[0]?.path}: ${fields[0]?.message}`, { fields });
}
