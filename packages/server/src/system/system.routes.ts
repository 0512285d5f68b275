import type { Registry } from 'prom-client';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { type DatabaseHandle, isMigrated } from '../storage/index.js';

export function systemRoutes(deps: {
  database: DatabaseHandle;
  metrics: () => Registry;
  openapi: () => unknown;
}): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      scope: 'public',
      summary: 'The process is alive',
      tag: 'system',
      response: z.object({ status: z.literal('ok') }),
      handler: () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      scope: 'public',
      summary: 'The database is reachable and migrated',
      tag: 'system',
      response: z.object({
        status: z.enum(['ready', 'unavailable']),
        database: z.string(),
        detail: z.string().optional(),
      }),
      async handler({ reply }) {
        try {
          if (await isMigrated(deps.database))
            return { status: 'ready' as const, database: deps.database.dialect };
          reply.status(503);
          return {
            status: 'unavailable' as const,
            database: deps.database.dialect,
            detail: 'migrations pending',
          };
        } catch (error) {
          reply.status(503);
          return {
            status: 'unavailable' as const,
            database: deps.database.dialect,
            detail: (error as Error).message,
          };
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      scope: 'public',
      summary: 'Prometheus metrics',
      tag: 'system',
      produces: 'text/plain; version=0.0.4; charset=utf-8',
      handler: () => deps.metrics().metrics(),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/openapi.json',
      scope: 'public',
      summary: 'This OpenAPI document',
      tag: 'system',
      handler: () => deps.openapi(),
    }),
  ];
}
