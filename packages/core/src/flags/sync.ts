/**
 * The flag-set sync wire shape: what the server sends an in-process SDK (`GET /api/v1/sdk/flag-set`
 * and each `flag-set` event of `GET /api/v1/sdk/stream`) so that it evaluates with this package's
 * engine, the same code as the server. Flags and segments travel as stored; the SDK compiles
 * them with `compileFlagSet(…, {mode: 'flagd'})`, which validates them, as the server does.
 */
import { z } from 'zod';
import { FlagMetadataSchema } from './schema.js';

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
