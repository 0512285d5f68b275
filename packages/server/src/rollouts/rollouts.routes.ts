import { NotFound } from '@sluice/core';
import { z } from 'zod';
import { type AnyRoute, defineRoute, type RouteContext } from '../http/route.js';
import type { RolloutsService } from './rollouts.service.js';
import {
  type ControlVerb,
  controlBodies,
  releaseSchema,
  runSummarySchema,
  startBodySchema,
} from './run.schema.js';

const envQuery = z.object({ environment: z.string().max(64).optional() }).strict();
const runParams = z.object({ id: z.string().min(1).max(200) }).strict();

export function rolloutRoutes(rollouts: RolloutsService, defaultEnvironment: () => string): AnyRoute[] {
  const env = (q: { environment?: string | undefined }) => q.environment ?? defaultEnvironment();
  /**
   * A run as a token may see it: one in an environment it cannot read does not exist for it
   * (404, as a missing id), so run ids of other environments cannot be probed.
   */
  async function runSeenBy(
    id: string,
    authorize: RouteContext<unknown, unknown, unknown>['authorize'],
    need: 'read' | 'write',
  ) {
    const run = await rollouts.get(id);
    try {
      authorize('read', run.environment);
    } catch {
      throw NotFound(`rollout run "${id}" does not exist`);
    }
    authorize(need, run.environment);
    return run;
  }
  /** The run's own environment decides what an environment-limited token may do to it. */
  const controls: AnyRoute[] = (Object.keys(controlBodies) as ControlVerb[]).map((verb) =>
    defineRoute({
      method: 'POST',
      url: `/api/v1/rollout-runs/:id/${verb}`,
      scope: 'write',
      environment: () => '*',
      summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a rollout run`,
      tag: 'rollouts',
      params: runParams,
      body: controlBodies[verb] as z.ZodType<Record<string, unknown>>,
      response: z.object({ run: runSummarySchema, notes: z.array(z.string()) }),
      async handler({ params, body, principal, authorize }) {
        await runSeenBy(params.id, authorize, 'write');
        return rollouts.control(params.id, verb, body ?? {}, principal);
      },
    }),
  );
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/rollouts/:name/start',
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: 'Start a run of a stored rollout plan',
      tag: 'rollouts',
      params: z.object({ name: z.string().min(1).max(128) }).strict(),
      query: envQuery,
      body: startBodySchema.optional(),
      response: runSummarySchema,
      status: 201,
      handler: ({ params, query, body, principal }) =>
        rollouts.start(env(query), params.name, principal, body ?? {}),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/services/:name/releases',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: "A Service's releases: every run that delivered a version of it, newest first",
      tag: 'rollouts',
      params: z.object({ name: z.string().min(1).max(128) }).strict(),
      query: envQuery.extend({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: z.object({ items: z.array(releaseSchema) }),
      handler: async ({ params, query }) => ({
        items: await rollouts.releases(env(query), params.name, query.limit),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/rollout-runs',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary: 'Runs, newest first',
      tag: 'rollouts',
      query: envQuery.extend({
        rollout: z.string().max(128).optional(),
        active: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: z.object({
        items: z.array(runSummarySchema),
        /** The environment searched (the default one unless `?environment=` named another). */
        environment: z.string(),
      }),
      handler: async ({ query }) => ({
        environment: env(query),
        items: await rollouts.list({
          environment: env(query),
          ...(query.rollout ? { rollout: query.rollout } : {}),
          active: query.active === 'true',
          limit: query.limit,
        }),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/rollout-runs/:id',
      scope: 'read',
      environment: () => '*',
      summary: 'A run: status, stages, weights, what it waits for',
      tag: 'rollouts',
      params: runParams,
      response: runSummarySchema,
      async handler({ params, authorize }) {
        return runSeenBy(params.id, authorize, 'read');
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/rollout-runs/:id/history',
      scope: 'read',
      environment: () => '*',
      summary: 'Every event of a run with the transitions it caused',
      tag: 'rollouts',
      params: runParams,
      async handler({ params, authorize }) {
        await runSeenBy(params.id, authorize, 'read');
        return { items: await rollouts.history(params.id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/rollout-runs/:id/explain',
      scope: 'read',
      environment: () => '*',
      summary: 'Why the run advanced, waited, paused or rolled back, in plain sentences',
      tag: 'rollouts',
      params: runParams,
      response: z.object({ lines: z.array(z.string()) }),
      async handler({ params, authorize }) {
        await runSeenBy(params.id, authorize, 'read');
        return { lines: await rollouts.explain(params.id) };
      },
    }),
    ...controls,
  ];
}
