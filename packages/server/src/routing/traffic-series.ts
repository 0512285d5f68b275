/**
 * Per-version traffic over time from what the embedded router keeps (its sliding window, 10
 * minutes by default): for each route and version, one point per step with the request rate,
 * the error rate and latency quantiles. Pure over the router's read methods.
 */
import type { RouterStatus, WindowStats } from '@sluice/router';
import { z } from 'zod';

export const trafficPointSchema = z.object({
  at: z.string(),
  /** Requests per second over the step. */
  rate: z.number(),
  /** Percent; null without requests. */
  errorRate: z.number().nullable(),
  /** Seconds; null without requests. */
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const trafficSeriesSchema = z
  .object({
    at: z.string(),
    windowMs: z.number().int(),
    stepMs: z.number().int(),
    /** null when this process runs no router (standalone routers keep their own figures). */
    routes: z
      .array(
        z.object({
          name: z.string(),
          host: z.string().nullable(),
          pathPrefix: z.string(),
          mirror: z.object({ version: z.string(), percent: z.number() }).nullable(),
          versions: z.array(
            z.object({
              name: z.string(),
              weight: z.number(),
              effectiveWeight: z.number(),
              healthy: z.boolean(),
              points: z.array(trafficPointSchema),
            }),
          ),
        }),
      )
      .nullable(),
  })
  .meta({ id: 'TrafficSeries' });
export type TrafficSeries = z.infer<typeof trafficSeriesSchema>;

export interface TrafficSource {
  status(): Pick<RouterStatus, 'routes'>;
  window(route: string, version: string, windowMs: number, now: number): WindowStats;
  retentionMs: number;
}

/** At most this many points per version, whatever step is asked. */
export const MAX_POINTS = 120;

export function trafficSeries(
  source: TrafficSource | null,
  windowMs: number,
  stepMs: number,
  now: number,
): TrafficSeries {
  const window = Math.min(windowMs, source?.retentionMs ?? windowMs);
  const step = Math.max(stepMs, Math.ceil(window / MAX_POINTS / 1000) * 1000);
  const base = { at: new Date(now).toISOString(), windowMs: window, stepMs: step };
  if (!source) return { ...base, routes: null };
  const end = Math.floor(now / step) * step;
  const times: number[] = [];
  for (let t = end - window + step; t <= end; t += step) times.push(t);
  return {
    ...base,
    routes: source.status().routes.map((r) => ({
      name: r.name,
      host: r.host,
      pathPrefix: r.pathPrefix,
      mirror: r.mirror,
      versions: r.versions.map((v) => ({
        name: v.name,
        weight: v.weight,
        effectiveWeight: v.effectiveWeight,
        healthy: v.healthy,
        points: times.map((t) => {
          const w = source.window(r.name, v.name, step, t);
          return {
            at: new Date(t).toISOString(),
            rate: w.requests / (step / 1000),
            errorRate: w.errorRate,
            p50: w.p50,
            p95: w.p95,
            p99: w.p99,
          };
        }),
      })),
    })),
  };
}
