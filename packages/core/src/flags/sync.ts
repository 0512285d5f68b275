/**
 * The flag-set sync wire shape: what the server sends an in-process SDK (`GET /api/v1/sdk/flag-set`
 * and each `flag-set` event of `GET /api/v1/sdk/stream`) so that it evaluates with this package's
 * engine, the same code as the server. Flags and segments travel as stored; the SDK compiles
 * them with `compileFlagSet(…, {mode: 'flagd'})`, which validates them, as the server does.
 */
import { z } from 'zod';
import { FlagKeySchema, FlagMetadataSchema } from './schema.js';

export const FlagSetSyncSchema = z.object({
  environment: z.string().min(1),
  /** The environment's flag generation: grows with every write, kill and emergency change. */
  version: z.number().int().nonnegative(),
  /** Digest of everything that decides results (flags, segments, kills, emergency); the ETag. */
  digest: z.string().min(1),
  /** When the server built this set (ISO 8601). */
  builtAt: z.string(),
  // checked by compileFlagSet on the receiving side (once, not twice for a 10,000-flag set)
  flags: z.record(z.string(), z.unknown()),
  segments: z.record(z.string(), z.unknown()),
  metadata: FlagMetadataSchema.optional(),
  /** Flags switched off by an operator: they serve their safe variant. */
  killed: z.array(z.string()),
  /** Emergency stop: every flag serves its safe variant. */
  emergency: z.boolean(),
});

export type FlagSetSync = z.infer<typeof FlagSetSyncSchema>;

/**
 * A change to the set an SDK holds (`flag-set-delta` events): the flags written or removed since
 * version `base`, and the kills and emergency state as they are now. Segments and set metadata are
 * unchanged (a change to them is sent as a whole set). An SDK not at `base` refetches the set.
 */
export const FlagSetDeltaSchema = z.object({
  environment: z.string().min(1),
  version: z.number().int().nonnegative(),
  digest: z.string().min(1),
  base: z.number().int().nonnegative(),
  builtAt: z.string(),
  changed: z.record(z.string(), z.unknown()),
  removed: z.array(z.string()),
  killed: z.array(z.string()),
  emergency: z.boolean(),
});

export type FlagSetDelta = z.infer<typeof FlagSetDeltaSchema>;

/** Impression items one batch may carry: an SDK's distinct (flag, variant, reason) in one interval. */
export const MAX_IMPRESSION_ITEMS = 1000;
/**
 * Evaluations one item may report: ten million (a million a second per flag and variant over the
 * SDK's default ten-second interval), so a token cannot push the counters out of float precision.
 */
export const MAX_IMPRESSION_COUNT = 10_000_000;

/** An instant as ISO 8601 with an offset, or milliseconds since the epoch. */
const InstantSchema = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]);

/**
 * What an in-process SDK evaluated in one interval (`POST /api/v1/sdk/impressions`): counts per
 * flag, variant and reason, without users or contexts, so they cannot expose anyone to an
 * experiment. The server adds them to the same evaluation counters as its own evaluations.
 */
export const ImpressionBatchSchema = z
  .object({
    /** Start of the interval counted. */
    from: InstantSchema,
    /** End of the interval counted; not before `from`. */
    to: InstantSchema,
    items: z
      .array(
        z
          .object({
            flag: FlagKeySchema,
            /** Absent for results without a variant (a disabled flag, an error): not counted. */
            variant: z.string().min(1).max(128).optional(),
            reason: z.string().min(1).max(64).optional(),
            count: z.number().int().min(1).max(MAX_IMPRESSION_COUNT),
          })
          .strict(),
      )
      .max(MAX_IMPRESSION_ITEMS),
  })
  .strict()
  .meta({ id: 'ImpressionBatch' });

export type ImpressionBatch = z.infer<typeof ImpressionBatchSchema>;

export const ImpressionResultSchema = z
  .object({
    environment: z.string(),
    /** Items added to the evaluation counts. */
    accepted: z.number().int(),
    /** Items not counted: a flag or variant the environment does not have, or no variant. */
    ignored: z.number().int(),
  })
  .meta({ id: 'ImpressionResult' });

export type ImpressionResult = z.infer<typeof ImpressionResultSchema>;
