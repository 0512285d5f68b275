import { z } from 'zod';
import { emergencyStateSchema } from '../flags/emergency/emergency.schema.js';
import { runSummarySchema } from '../rollouts/run.schema.js';

/** `event: resource` — a resource was written; re-read it if it is on screen. */
export const resourceChangeEventSchema = z
  .object({
    kind: z.string(),
    name: z.string(),
    environment: z.string().nullable(),
    action: z.enum(['created', 'updated', 'deleted']),
    version: z.number().int().nullable(),
  })
  .meta({ id: 'WatchResourceChange' });

/** `event: flags` — an environment's flags serve differently (a write, a kill, an emergency). */
export const flagsChangeEventSchema = z.object({ environment: z.string() }).meta({ id: 'WatchFlagsChange' });

/**
 * The events of `GET /api/v1/watch`, one per SSE frame: `event:` is the key, `data:` the JSON.
 * `run` carries the whole run summary, `emergency` the environment's new state.
 */
export const watchEventsSchema = z
  .object({
    resource: resourceChangeEventSchema,
    run: runSummarySchema,
    emergency: emergencyStateSchema,
    flags: flagsChangeEventSchema,
  })
  .partial()
  .meta({
    id: 'WatchEvents',
    description: 'SSE frames: `event: <key>` with the JSON of that key as `data:`',
  });

export type WatchEventName = keyof z.infer<typeof watchEventsSchema>;

export const watchQuerySchema = z
  .object({
    environment: z
      .union([z.string().max(64), z.array(z.string().max(64)).max(50)])
      .optional()
      .describe('only these environments (default: every one the token may read)'),
  })
  .strict();
