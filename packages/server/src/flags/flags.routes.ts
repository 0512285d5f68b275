import { FlagKeySchema } from '@sluice/core/flags';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { FlagsService } from './flags.service.js';

const params = z.object({ name: FlagKeySchema }).strict();
const envQuery = z.object({ environment: z.string().max(64).optional() }).strict();
const killBody = z.object({ reason: z.string().trim().min(1, 'say why').max(1000) }).strict();
const killSchema = z
  .object({
    environment: z.string(),
    flag: z.string(),
    reason: z.string(),
    killedBy: z.string(),
    killedAt: z.string(),
  })
  .meta({ id: 'FlagKill' });
const evaluationSchema = z.object({
  value: z.json().optional(),
  variant: z.string().optional(),
  reason: z.string(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  flagMetadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export function flagRoutes(flags: FlagsService, defaultEnvironment: () => string): AnyRoute[] {
  const env = (q: { environment?: string | undefined }) => q.environment ?? defaultEnvironment();
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/flags/:name/kill',
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: 'Kill a flag: it serves its safe variant (or behaves as DISABLED) until unkilled',
      tag: 'flags',
      params,
      query: envQuery,
      body: killBody,
      response: killSchema,
      handler: ({ params: p, query, body, principal, requestId }) =>
        flags.kill(env(query), p.name, body.reason, { subject: principal.subject, requestId }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/flags/:name/unkill',
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: 'Lift a kill switch',
      tag: 'flags',
      params,
      query: envQuery,
      body: killBody,
      response: killSchema,
      handler: ({ params: p, query, body, principal, requestId }) =>
        flags.unkill(env(query), p.name, body.reason, { subject: principal.subject, requestId }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/kills',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Killed flags of an environment',
      tag: 'flags',
      query: envQuery,
      response: z.object({ items: z.array(killSchema) }),
      handler: async ({ query }) => ({ items: await flags.kills(env(query)) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/flags/:name/evaluate',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Evaluate a flag for a context, as an SDK in this environment would',
      tag: 'flags',
      params,
      query: envQuery,
      body: z
        .object({
          context: z.record(z.string(), z.json()).default({}),
          type: z
            .enum(['boolean', 'string', 'number', 'object'])
            .optional()
            .describe('default: the type of the flag’s variants'),
        })
        .strict(),
      response: evaluationSchema,
      handler: ({ params: p, query, body }) => flags.evaluate(env(query), p.name, body.type, body.context),
    }),
  ];
}
