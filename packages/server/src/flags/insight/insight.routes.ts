import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { EvaluationInsight } from './evaluation-insight.js';
import { flagUsageSchema, staleFlagSchema } from './stale.js';

const staleQuery = z
  .object({
    environment: z.string().max(64).optional(),
    days: z.coerce.number().int().min(1).max(3650).default(30),
  })
  .strict();

export function flagInsightRoutes(
  insight: EvaluationInsight,
  resources: ResourceService,
  defaultEnvironment: () => string,
): AnyRoute[] {
  const env = (q: { environment?: string | undefined }) => q.environment ?? defaultEnvironment();
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/flags-stale',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Flags not evaluated, or serving a single variant, for N days',
      tag: 'flags',
      query: staleQuery,
      response: z.object({
        environment: z.string(),
        days: z.number().int(),
        items: z.array(staleFlagSchema),
      }),
      async handler({ query }) {
        const environment = env(query);
        const kind = resources.registry.get('Flag');
        const flags: { name: string; createdAt: string }[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await resources.list(kind, environment, { limit: 1000, cursor });
          for (const r of page) flags.push({ name: r.metadata.name, createdAt: r.metadata.createdAt });
          if (page.length < 1000) break;
          cursor = page.at(-1)?.metadata.name;
        }
        return { environment, days: query.days, items: await insight.stale(environment, query.days, flags) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/flag-evaluations',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Evaluations by flag and variant over the last N days, and when each flag was last evaluated',
      tag: 'flags',
      query: staleQuery,
      response: z.object({
        environment: z.string(),
        days: z.number().int(),
        items: z.array(flagUsageSchema),
      }),
      async handler({ query }) {
        const environment = env(query);
        return { environment, days: query.days, items: await insight.usage(environment, query.days) };
      },
    }),
  ];
}
