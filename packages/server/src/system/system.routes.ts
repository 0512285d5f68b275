import { timingSafeEqual } from 'node:crypto';
import { Unauthorized } from '@sluice/core';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { type DatabaseHandle, isMigrated } from '../storage/index.js';

export function systemRoutes(deps: {
  database: DatabaseHandle;
  metrics: () => Registry;
  openapi: () => unknown;
  /** When set, /metrics answers only this bearer token (SLUICE_METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Why the server cannot take writes now (database lost or full), or null. */
  storageProblem?: () => string | null;
}): AnyRoute[] {
  const metricsToken = deps.metricsToken === undefined ? undefined : Buffer.from(deps.metricsToken);
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
        const problem = deps.storageProblem?.() ?? null;
        if (problem !== null) {
          reply.status(503);
          return { status: 'unavailable' as const, database: deps.database.dialect, detail: problem };
        }
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
      handler: ({ headers }) => {
        if (metricsToken !== undefined) {
          const given = Buffer.from(
            /^Bearer\s+(\S+)\s*$/i.exec(String(headers.authorization ?? ''))?.[1] ?? '',
          );
          if (given.length !== metricsToken.length || !timingSafeEqual(given, metricsToken))
            throw Unauthorized('/metrics needs "Authorization: Bearer <SLUICE_METRICS_TOKEN>"');
        }
        return deps.metrics().metrics();
      },
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
