/**
 * Stale-flag detection from per-day evaluation buckets, without I/O.
 *
 * With `days` = N and today = the UTC day of `now`, the window is the UTC days from today − N to
 * today inclusive (N + 1 buckets, so it always covers at least N × 24 hours). Only flags created
 * before the window's first day are judged: a younger flag has not had N days to be used. Such a
 * flag is stale when
 * - `not-evaluated`: no evaluation was recorded in the window, or
 * - `single-variant`: every evaluation in the window returned the same variant, and the flag's
 *   evaluations were already being recorded on or before the window's first day (so one variant
 *   has been served for the whole window, not just since recording began).
 */
import { z } from 'zod';

export const staleFlagSchema = z
  .object({
    flag: z.string(),
    reason: z.enum(['not-evaluated', 'single-variant']),
    /** The only variant served, for `single-variant`. */
    variant: z.string().nullable(),
    /** Evaluations in the window. */
    evaluations: z.number().int(),
    lastEvaluatedAt: z.string().nullable(),
  })
  .meta({ id: 'StaleFlag' });
export type StaleFlag = z.infer<typeof staleFlagSchema>;

export const flagUsageSchema = z
  .object({
    flag: z.string(),
    /** Evaluations in the window, by variant. */
    variants: z.record(z.string(), z.number().int()),
    lastEvaluatedAt: z.string().nullable(),
  })
  .meta({ id: 'FlagUsage' });
export type FlagUsage = z.infer<typeof flagUsageSchema>;

/** Per flag with any evaluation ever: counts by variant in the window, and the last evaluation. */
export function summariseUsage(input: Omit<StaleInput, 'flags'>): FlagUsage[] {
  const start = windowStart(input.now, input.days);
  const out = new Map<string, FlagUsage>();
  for (const [flag, h] of input.history) out.set(flag, { flag, variants: {}, lastEvaluatedAt: h.lastAt });
  for (const b of input.buckets) {
    const usage = out.get(b.flag);
    if (!usage || b.day < start) continue;
    usage.variants[b.variant] = (usage.variants[b.variant] ?? 0) + b.count;
  }
  return [...out.values()].sort((a, b) => a.flag.localeCompare(b.flag));
}

export interface StaleInput {
  now: Date;
  days: number;
  flags: { name: string; createdAt: string }[];
  /** Buckets of the window (older ones are ignored). */
  buckets: { flag: string; variant: string; day: string; count: number }[];
  /** Per flag, over all time: the first day with evaluations and the last evaluation time. */
  history: Map<string, { firstDay: string; lastAt: string }>;
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function windowStart(now: Date, days: number): string {
  return utcDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days)));
}

export function findStaleFlags(input: StaleInput): StaleFlag[] {
  const start = windowStart(input.now, input.days);
  const perFlag = new Map<string, Map<string, number>>();
  for (const b of input.buckets) {
    if (b.day < start || b.count <= 0) continue;
    const variants = perFlag.get(b.flag) ?? new Map<string, number>();
    variants.set(b.variant, (variants.get(b.variant) ?? 0) + b.count);
    perFlag.set(b.flag, variants);
  }
  const stale: StaleFlag[] = [];
  for (const flag of input.flags) {
    if (utcDay(new Date(flag.createdAt)) >= start) continue;
    const history = input.history.get(flag.name);
    const lastEvaluatedAt = history?.lastAt ?? null;
    const variants = perFlag.get(flag.name);
    if (!variants) {
      stale.push({
        flag: flag.name,
        reason: 'not-evaluated',
        variant: null,
        evaluations: 0,
        lastEvaluatedAt,
      });
      continue;
    }
    const [only, ...others] = [...variants.keys()];
    if (only !== undefined && others.length === 0 && history && history.firstDay <= start) {
      stale.push({
        flag: flag.name,
        reason: 'single-variant',
        variant: only,
        evaluations: variants.get(only) ?? 0,
        lastEvaluatedAt,
      });
    }
  }
  return stale.sort((a, b) => a.flag.localeCompare(b.flag));
}
