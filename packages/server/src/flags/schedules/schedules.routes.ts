import { FlagKeySchema } from '@sluice/core/flags';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { FlagScheduler } from './flag-scheduler.js';
import { flagScheduleSchema, scheduleListQuerySchema, scheduleRequestSchema } from './schedule.schema.js';

const envQuery = z.object({ environment: z.string().max(64).optional() }).strict();

export function flagScheduleRoutes(scheduler: FlagScheduler, defaultEnvironment: () => string): AnyRoute[] {
  const env = (q: { environment?: string | undefined }) => q.environment ?? defaultEnvironment();
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/flags/:name/schedules',
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: 'Schedule a change to a flag (state, default variant, targeting, fractional weights)',
      tag: 'flags',
      params: z.object({ name: FlagKeySchema }).strict(),
      query: envQuery,
      body: scheduleRequestSchema,
      response: flagScheduleSchema,
      status: 201,
      handler: ({ params, query, body, principal, requestId }) =>
        scheduler.create(env(query), params.name, body, {
          subject: principal.subject,
          requestId,
          scopes: principal.scopes,
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/flag-schedules',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Scheduled flag changes of an environment, by time',
      tag: 'flags',
      query: scheduleListQuerySchema,
      response: z.object({ items: z.array(flagScheduleSchema) }),
      handler: async ({ query }) => ({
        items: await scheduler.list({ environment: env(query), status: query.status, flag: query.flag }),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/flag-schedules/:id/cancel',
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: 'Cancel a pending scheduled flag change',
      tag: 'flags',
      params: z.object({ id: z.string().regex(/^fsc_[a-z0-9]{1,40}$/, 'a schedule id: fsc_…') }).strict(),
      query: envQuery,
      response: flagScheduleSchema,
      handler: ({ params, query, principal, requestId }) =>
        scheduler.cancel(env(query), params.id, { subject: principal.subject, requestId }),
    }),
  ];
}
