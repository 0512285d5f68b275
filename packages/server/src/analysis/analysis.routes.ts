/**
 * `GET /api/v1/metrics/query`: one measurement, asked exactly as a gate asks it, so the CLI and
 * the dashboard show the figures the gates see (including "too few samples" and router errors).
 */
import { measurementSchema } from '@sluice/core/analysis';
import { parseDuration } from '@sluice/core/rollouts';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { MetricUnknown } from './errors.js';
import type { MetricRegistry } from './registry.js';

const name = z.string().min(1).max(128);

/** The longest window a metric query may ask for: 31 days. */
export const MAX_WINDOW_MS = 31 * 86_400_000;

export const metricQueryParamsSchema = z.strictObject({
  metric: name,
  route: name.optional(),
  version: name,
  baseline: name.optional(),
  environment: z.string().min(1).max(63).optional(),
  /** A duration (`30s`, `5m`) or milliseconds. */
  window: z
    .string()
    .default('5m')
    .transform((text, ctx) => {
      const ms = /^\d+$/.test(text) ? Number(text) : safeDuration(text);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s or 5m, or milliseconds' });
        return z.NEVER;
      }
      // a bound keeps one query from scanning every event ever stored (issue 13, L7)
      if (ms > MAX_WINDOW_MS) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_WINDOW_MS / 86_400_000} days` });
        return z.NEVER;
      }
      return ms;
    }),
});

export const metricQueryResultSchema = z.strictObject({
  measurement: measurementSchema,
  provider: z.string(),
  route: z.string().nullable(),
  version: z.string(),
  baseline: z.string().nullable(),
  environment: z.string(),
  windowMs: z.number().int(),
  at: z.string(),
});

function safeDuration(text: string): number | null {
  try {
    return parseDuration(text);
  } catch {
    return null;
  }
}

export function analysisRoutes(options: {
  registry: MetricRegistry;
  defaultEnvironment: () => string;
  now: () => Date;
}): AnyRoute[] {
  const { registry } = options;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/metrics/names',
      scope: 'read',
      summary: 'The metrics gates can check, and the provider answering each',
      tag: 'metrics',
      response: z.strictObject({
        items: z.array(z.strictObject({ metric: z.string(), provider: z.string() })),
      }),
      handler: () => ({
        items: registry
          .names()
          .map((metric) => ({ metric, provider: registry.providerOf(metric) ?? 'unknown' })),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/metrics/query',
      scope: 'read',
      environment: ({ query }) => query.environment ?? options.defaultEnvironment(),
      summary: 'Measure one metric of a version over a window, as a metric gate would',
      tag: 'metrics',
      query: metricQueryParamsSchema,
      response: metricQueryResultSchema,
      async handler({ query }) {
        // a built-in, or a MetricTemplate of that name
        const resolved = await registry.resolve(query.metric);
        if (!resolved.ok) {
          throw MetricUnknown(resolved.reason, {
            fields: [{ path: 'query.metric', message: resolved.reason }],
          });
        }
        const environment = query.environment ?? options.defaultEnvironment();
        const now = options.now();
        const measurement = await registry.measure({
          metric: query.metric,
          ...(query.route ? { route: query.route } : {}),
          environment,
          version: query.version,
          ...(query.baseline ? { baselineVersion: query.baseline } : {}),
          windowMs: query.window,
          now,
          template: resolved.template.spec,
        });
        return {
          measurement,
          provider: resolved.template.spec.provider.type,
          route: query.route ?? null,
          version: query.version,
          baseline: query.baseline ?? null,
          environment,
          windowMs: query.window,
          at: now.toISOString(),
        };
      },
    }),
  ];
}
