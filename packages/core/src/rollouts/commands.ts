/**
 * Commands: what the state machine asks the runtime to do. Plain data, each with a
 * deterministic `opId` (`run/stage#attempt/step/kind`), so a replayed transition yields the
 * same ids and the runtime can skip any it has already applied.
 */
import { z } from 'zod';
import { thresholdSchema } from '../analysis/index.js';
import { STAGE_WEBHOOK_TYPES, smokeTestSchema } from './plan/strategy-schemas.js';

/** `canary` is the version this run delivers, `stable` the one it replaces. */
export const roleSchema = z.enum(['canary', 'stable']);

const flagdScalar = z.union([z.string(), z.number(), z.boolean()]);
export const flagdFlagSchema = z.strictObject({
  state: z.enum(['ENABLED', 'DISABLED']),
  variants: z.record(z.string(), flagdScalar),
  defaultVariant: z.string(),
  targeting: z.json().optional(),
  metadata: z.record(z.string(), flagdScalar).optional(),
});
export type FlagdFlag = z.infer<typeof flagdFlagSchema>;
export type JsonLogic = z.infer<ReturnType<typeof z.json>>;

/** The phase a Flagger webhook's payload names (Flagger's `CanaryPhase`). */
export const flaggerPhaseSchema = z.enum([
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
]);
export type FlaggerPhase = z.infer<typeof flaggerPhaseSchema>;

const base = { opId: z.string().min(1), stage: z.string().nullable() };

export const commandSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...base,
    kind: z.literal('deploy'),
    app: z.string(),
    namespace: z.string(),
    version: z.string(),
    role: roleSchema,
    image: z.string().optional(),
    replicas: z.number().int().positive().optional(),
    readyTimeoutSeconds: z.number().positive(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('health_check'),
    app: z.string(),
    version: z.string(),
    endpoint: z.string(),
    timeoutSeconds: z.number().positive(),
    attempt: z.number().int().positive(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('smoke_test'),
    app: z.string(),
    version: z.string(),
    tests: z.array(smokeTestSchema),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('set_traffic'),
    app: z.string(),
    /** Percent of live traffic per role; always sums to 100. */
    weights: z.strictObject({ stable: z.number().min(0).max(100), canary: z.number().min(0).max(100) }),
    /** Percent of live requests copied to the canary, whose responses are discarded. */
    mirrorPercent: z.number().min(0).max(100),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('retire'),
    app: z.string(),
    version: z.string(),
    role: roleSchema,
  }),
  z.strictObject({
    ...base,
    kind: z.literal('set_flag'),
    flagKey: z.string(),
    environment: z.string().optional(),
    percentage: z.number().min(0).max(100),
    flag: flagdFlagSchema,
  }),
  z.strictObject({
    ...base,
    kind: z.literal('restore_flag'),
    flagKey: z.string(),
    environment: z.string().optional(),
    /** The flag version before the stage touched it; null: the flag did not exist, delete it. */
    toVersion: z.number().int().nonnegative().nullable(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('measure'),
    /** What the metrics describe: a version of an app, a mirrored copy, or a flag's share. */
    target: z.strictObject({
      app: z.string().optional(),
      role: z.enum(['canary', 'stable', 'shadow']).optional(),
      flagKey: z.string().optional(),
    }),
    metrics: z.array(z.string()),
    thresholds: z.array(thresholdSchema),
    windowSeconds: z.number().positive(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('experiment'),
    /** start it, read its verdict, conclude it with `arm` (everyone gets that arm), or stop it. */
    action: z.enum(['start', 'verdict', 'conclude', 'stop']),
    experiment: z.string(),
    environment: z.string().optional(),
    arm: z.string().optional(),
  }),
  z.strictObject({
    ...base,
    /** POST Flagger's payload to a stage's webhook; ok: it answered 2xx in time. */
    kind: z.literal('call_webhook'),
    hook: z.enum(STAGE_WEBHOOK_TYPES),
    name: z.string(),
    url: z.string(),
    timeoutSeconds: z.number().positive(),
    /** The payload: `name`, `namespace` (default: the run's environment), `phase`, `checksum`, `metadata`. */
    canary: z.string(),
    namespace: z.string().optional(),
    phase: flaggerPhaseSchema,
    checksum: z.string(),
    metadata: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('schedule_timer'),
    timerId: z.string(),
    dueAt: z.number(),
    purpose: z.string(),
  }),
  z.strictObject({ ...base, kind: z.literal('cancel_timer'), timerId: z.string() }),
  z.strictObject({
    ...base,
    kind: z.literal('notify'),
    level: z.enum(['info', 'warning', 'error']),
    message: z.string(),
  }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
/** A command before the machine stamps its op id and stage. */
export type CommandBody<K extends CommandKind = CommandKind> = K extends CommandKind
  ? Omit<CommandOf<K>, 'opId' | 'stage'>
  : never;
