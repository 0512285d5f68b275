import { parseDuration } from '@sluice/core/rollouts';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { type TrafficSource, trafficSeries, trafficSeriesSchema } from './traffic-series.js';

const duration = (fallback: string) =>
  z
    .string()
    .max(16)
    .default(fallback)
    .transform((text, ctx) => {
      let ms: number | null = null;
      try {
        ms = parseDuration(text);
      } catch {
        ms = null;
      }
      if (ms === null || ms < 1000 || ms > 86_400_000) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration from 1s to 24h, such as 30s or 10m' });
        return z.NEVER;
      }
      return ms;
    });

export function trafficSeriesRoutes(source: () => TrafficSource | null, now: () => Date): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/traffic/series',
      scope: 'read',
      summary:
        "Each route's versions: weights, and request rate, error rate and latency over time (embedded router)",
      tag: 'routing',
      query: z.object({ window: duration('10m'), step: duration('30s') }).strict(),
      response: trafficSeriesSchema,
      handler: ({ query }) => trafficSeries(source(), query.window, query.step, now().getTime()),
    }),
  ];
}
