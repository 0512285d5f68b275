import { parsePeriod } from '@sluice/core/delivery';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { ReleasesService } from './releases.service.js';

const releaseSchema = z
  .object({
    runId: z.string(),
    rollout: z.string(),
    environment: z.string(),
    rolloutVersion: z.number().int(),
    plan: z.string(),
    version: z.string(),
    services: z.array(z.string()),
    status: z.string(),
    startedBy: z.string(),
    approvedBy: z.array(z.string()),
    startedAt: z.string(),
    fullAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    rollbackReason: z.string().nullable(),
    commit: z.string().nullable(),
    committedAt: z.string().nullable(),
  })
  .meta({ id: 'Release' });

const doraSchema = z
  .object({
    since: z.string(),
    until: z.string(),
    days: z.number(),
    deployments: z.number(),
    deploymentsPerDay: z.number(),
    leadTimeSeconds: z.object({
      median: z.number().nullable(),
      p90: z.number().nullable(),
      samples: z.number(),
    }),
    changeFailureRate: z.number().nullable(),
    failures: z.number(),
    timeToRestoreSeconds: z.object({
      median: z.number().nullable(),
      samples: z.number(),
      unrestored: z.number(),
    }),
  })
  .meta({ id: 'DoraReport' });

const period = z
  .string()
  .default('30d')
  .refine((v) => parsePeriod(v) !== null, 'a period like 30d, 12h, 90m or 2w');

const filters = {
  environment: z.string().min(1).max(64).optional(),
  service: z.string().min(1).max(200).optional(),
};

export function releaseRoutes(service: ReleasesService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/releases',
      scope: 'read',
      environment: ({ query }) => query.environment ?? null,
      summary:
        'Release history: every run with version, plan, start, end, outcome, who started and approved it',
      tag: 'releases',
      query: z
        .object({
          ...filters,
          since: period.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        })
        .strict(),
      response: z.object({ items: z.array(releaseSchema) }),
      handler: async ({ query }) => {
        const sinceMs = query.since ? (parsePeriod(query.since) as number) : null;
        const items = await service.list({
          environment: query.environment,
          service: query.service,
          since: sinceMs === null ? undefined : new Date(service.now().getTime() - sinceMs).toISOString(),
          limit: query.limit,
        });
        return { items };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/reports/dora',
      scope: 'read',
      environment: ({ query }) => query.environment ?? null,
      summary:
        'DORA figures over a period: deployment frequency, lead time, change failure rate, time to restore',
      tag: 'releases',
      query: z.object({ ...filters, since: period }).strict(),
      response: doraSchema,
      handler: ({ query }) =>
        service.dora({
          ...(query.environment ? { environment: query.environment } : {}),
          ...(query.service ? { service: query.service } : {}),
          sinceMs: parsePeriod(query.since) as number,
        }),
    }),
  ];
}
