/**
 * A `Route`: a host and path prefix whose requests the Sluice router splits between versions
 * of a service (weights, match rules, sticky sessions, mirroring, health checks). The spec is
 * the router's own route schema minus `name` (the resource name), so the control plane and the
 * data plane validate with one schema.
 */
import type { FieldError } from '@sluice/core';
import { parseRouterSnapshot, routeSchema } from '@sluice/router/config';
import { z } from 'zod';
import { bumpGeneration } from '../environments/generation.js';
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';

/** The generation key every router-affecting change moves (not an environment name). */
export const ROUTER_GENERATION = ':router';

export const routeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'route names are 1-63 letters, digits, ".", "_" or "-"');

export const routeSpecSchema = z
  .record(z.string(), z.unknown())
  .transform((value, ctx) => {
    const parsed = routeSchema.safeParse({ ...value, name: 'route' });
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
      return z.NEVER;
    }
    const { name: _name, ...spec } = parsed.data;
    return spec;
  })
  .meta({ id: 'RouteSpec' });
export type RouteSpec = z.output<typeof routeSpecSchema>;

export const routeKind: KindDefinition<RouteSpec> = {
  kind: 'Route',
  plural: 'routes',
  aliases: ['route'],
  environmentScoped: false,
  spec: routeSpecSchema,
  name: routeNameSchema,
  applyOrder: 25,
  check: checkAgainstOtherRoutes,
  async afterChange(ctx) {
    await bumpGeneration(ctx.trx, ROUTER_GENERATION);
  },
};

/** Two routes may not claim the same host and prefix: check the whole table with the change in it. */
async function checkAgainstOtherRoutes(
  ctx: KindContext,
  candidate: { name: string; spec: RouteSpec },
): Promise<FieldError[]> {
  const others = (await createResourceStore(ctx.trx).list('Route', null, { limit: 1024 }))
    .filter((r) => r.metadata.name !== candidate.name)
    .map((r) => ({ ...(r.spec as RouteSpec), name: r.metadata.name }));
  try {
    parseRouterSnapshot({ version: 0, routes: [...others, { ...candidate.spec, name: candidate.name }] });
    return [];
  } catch (error) {
    return ((error as { fields?: FieldError[] }).fields ?? []).map((f) => ({
      path: 'spec',
      message: `${f.path}: ${f.message}`,
    }));
  }
}
