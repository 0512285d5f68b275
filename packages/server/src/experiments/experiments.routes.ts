/**
 * `/api/v1/experiments/{key}/results` and the lifecycle verbs. Listing, reading, writing and
 * deleting experiments are the generic resource routes (`/api/v1/experiments[/{key}]`).
 */
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { storedResourceSchema } from '../resources/resource.schema.js';
import type { ExperimentsService, LifecycleVerb } from './experiments.service.js';
import { resultsSchema } from './results.schema.js';

const params = z.strictObject({ key: z.string().min(1).max(128) });
const envQuery = z.strictObject({ environment: z.string().max(64).optional() });

const SUMMARY: Record<LifecycleVerb, string> = {
  start: 'Start an experiment (draft → active): users who enter get their arm and are counted',
  stop: 'Stop an experiment: everyone gets control again; results stay as of the stop',
  conclude: 'Conclude an experiment: everyone gets the winning arm (body `arm`, default control)',
};

export function experimentRoutes(service: ExperimentsService, defaultEnvironment: () => string): AnyRoute[] {
  const env = (q: { environment?: string | undefined }) => q.environment ?? defaultEnvironment();
  const verbs = (Object.keys(SUMMARY) as LifecycleVerb[]).map((verb) =>
    defineRoute({
      method: 'POST',
      url: `/api/v1/experiments/:key/${verb}`,
      scope: 'write',
      environment: ({ query }) => env(query),
      summary: SUMMARY[verb],
      tag: 'experiments',
      params,
      query: envQuery,
      body: z.strictObject({ arm: z.string().min(1).max(64).optional() }).optional(),
      response: storedResourceSchema,
      handler: ({ params: p, query, body, principal, requestId }) =>
        service.transition(
          env(query),
          p.key,
          verb,
          { subject: principal.subject, requestId, scopes: principal.scopes },
          { arm: body?.arm },
        ),
    }),
  );
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/experiments/:key/results',
      scope: 'read',
      environment: ({ query }) => env(query),
      summary:
        'Results per metric and arm against control, sample ratio check, users so far and needed, the verdict',
      tag: 'experiments',
      params,
      query: envQuery,
      response: resultsSchema,
      handler: ({ params: p, query }) => service.results(env(query), p.key),
    }),
    ...verbs,
  ];
}
