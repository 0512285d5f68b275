/**
 * The shape of `POST /api/v1/events`: one zod schema gives the type and the validation, so a
 * bad event is refused with its JSON path (`body.events[3].time`).
 */
import { z } from 'zod';

/** The names the `events` metric provider reads; other names are stored for later analyses. */
export const EVENT_NAMES = { pageView: 'page_view', bounce: 'bounce', conversion: 'conversion' } as const;

/** Upper bound of one batch: the demo app buffers at most 10,000 events between posts. */
export const MAX_EVENTS_PER_BATCH = 10_000;

/** How far ahead of the server clock an event may be dated (clock skew), in ms. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const text = (max: number) => z.string().min(1).max(max);

export const eventSchema = z
  .strictObject({
    /** The sender's id for the event; a second event with the same id is a replay and ignored. */
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'ids are 1-128 letters, digits, ".", "_", ":" or "-"'),
    user: text(256),
    /** The release the user saw; for an experiment's `exposure`, the arm (optional there). */
    version: text(128).optional(),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'names are lower-case: letters, digits, "_", "." or "-"'),
    time: z.iso.datetime({ offset: true }),
    /** The experiment the event counts for (its metric reads events of this name). */
    experiment: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.\-:]{0,127}$/, 'experiment keys are flag keys')
      .optional(),
    /** A measured amount (revenue, seconds) for sum, mean and duration metrics. */
    value: z
      .number()
      .refine((v) => Math.abs(v) <= 1e12, 'must be between -1e12 and 1e12')
      .optional(),
  })
  .refine((e) => e.version !== undefined || e.experiment !== undefined, {
    path: ['version'],
    message: 'is required unless the event names an experiment',
  });
export type EventInput = z.infer<typeof eventSchema>;

/**
 * Entries are validated one by one (`eventSchema`): a batch with bad entries keeps the good ones
 * and answers per entry.
 */
export const eventBatchSchema = z.strictObject({
  events: z
    .array(z.unknown().meta({ description: 'an event (EventInput); validated per entry' }))
    .min(1)
    .max(MAX_EVENTS_PER_BATCH),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

export const eventQuerySchema = z.strictObject({
  environment: z.string().min(1).max(63).optional(),
});

export const eventBatchResultSchema = z.strictObject({
  environment: z.string(),
  received: z.number().int(),
  /** Events not seen before, now stored. */
  stored: z.number().int(),
  /** Events whose id was already stored (replays), ignored. */
  duplicates: z.number().int(),
  /** Entries refused (present only when some were): each problem names its entry's path. */
  rejected: z.number().int().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type EventBatchResult = z.infer<typeof eventBatchResultSchema>;
