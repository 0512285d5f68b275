/**
 * A `Route`: a host and path prefix whose requests the Sluice router splits between versions
 * of a service (weights, match rules, sticky sessions, mirroring, health checks). The spec is
 * the router's own route schema minus `name` (the resource name), so the control plane and the
 * data plane validate with one schema, plus `environment`: the environment that owns the route
 * (SECURITY.md, "Ownership"). Writing a Route needs `write` in its owner's environment (before
 * and after the change); a Route without one is the operator's and needs unlimited `write`. A
 * Service's builtin traffic provider drives only a Route its own environment owns.
 */
import { defineError, type FieldError } from '@sluice/core';
import { ENVIRONMENT_NAME, scopesGrant } from '@sluice/core/auth';
import { parseRouterSnapshot, type RouteConfig, routeSchema } from '@sluice/router/config';
import { z } from 'zod';
import { bumpGeneration } from '../environments/generation.js';
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';

/** The generation key every router-affecting change moves (not an environment name). */
export const ROUTER_GENERATION = ':router';

export const routeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'route names are 1-63 letters, digits, ".", "_" or "-"');

export const RouteNotOwned = defineError(
  'ROUTE_NOT_OWNED',
  403,
  'The Route belongs to another environment (or to the operator)',
);

const ownerSchema = z
  .string()
  .regex(ENVIRONMENT_NAME, 'an environment name')
  .optional()
  .describe('the environment that owns this route; absent: the operator (unlimited write)');

export const routeSpecSchema = z
  .record(z.string(), z.unknown())
  .transform((value, ctx) => {
    const { environment, ...route } = value;
    const owner = ownerSchema.safeParse(environment);
    if (!owner.success)
      ctx.addIssue({ code: 'custom', message: 'an environment name', path: ['environment'] });
    const parsed = routeSchema.safeParse({ ...route, name: 'route' });
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
      return z.NEVER;
    }
    if (!owner.success) return z.NEVER;
    const { name: _name, ...spec } = parsed.data;
    return { ...spec, ...(owner.data ? { environment: owner.data } : {}) };
  })
  .meta({ id: 'RouteSpec' });
export type RouteSpec = z.output<typeof routeSpecSchema>;

/** The environment that owns a stored Route's spec, or null (the operator's). */
export function routeOwner(spec: unknown): string | null {
  const owner = (spec as { environment?: unknown } | null)?.environment;
  return typeof owner === 'string' ? owner : null;
}

/** Refuses to drive a Route another environment (or the operator) owns, naming the field to change. */
export function assertOwned(route: string, environment: string, spec: unknown): void {
  const owner = routeOwner(spec);
  if (owner === environment) return;
  const whose = owner ? `environment "${owner}"` : 'the operator (it has no spec.environment)';
  throw RouteNotOwned(
    `Route "${route}" belongs to ${whose}, not to "${environment}": name a route of this environment in spec.traffic.route.name (an admin may give a Route to an environment by setting its spec.environment)`,
    { fields: [{ path: 'spec.traffic.route.name', message: `Route "${route}" belongs to ${whose}` }] },
  );
}

/** What the router gets: the spec without the owner (routers know nothing of environments). */
export function toRouteConfig(name: string, spec: RouteSpec): RouteConfig {
  const { environment: _owner, ...route } = spec;
  return { ...route, name };
}

export const routeKind: KindDefinition<RouteSpec> = {
  kind: 'Route',
  plural: 'routes',
  aliases: ['route'],
  environmentScoped: false,
  spec: routeSpecSchema,
  name: routeNameSchema,
  applyOrder: 25,
  owner: (spec) => spec.environment ?? null,
  check: async (ctx, candidate) => {
    // every other Route, read once for both table-wide checks
    const others = (await createResourceStore(ctx.trx).list('Route', null, { limit: 1024 })).filter(
      (r) => r.metadata.name !== candidate.name,
    );
    return [
      ...(await ownerExists(ctx, candidate.spec)),
      ...checkAgainstOtherRoutes(others, candidate),
      ...hostOwnedElsewhere(ctx, others, candidate),
    ];
  },
  async afterChange(ctx) {
    await bumpGeneration(ctx.trx, ROUTER_GENERATION);
  },
};

/** Another stored Route, as the table-wide checks read it. */
type OtherRoute = { metadata: { name: string }; spec: unknown };

async function ownerExists(ctx: KindContext, spec: RouteSpec): Promise<FieldError[]> {
  if (!spec.environment || (await createResourceStore(ctx.trx).get('Environment', null, spec.environment)))
    return [];
  return [{ path: 'spec.environment', message: `environment "${spec.environment}" does not exist` }];
}

/**
 * A host belongs to the owner of the routes on it: an environment's token may not add a Route
 * (say a longer prefix, which the router prefers) on a host another owner serves, nor one for any
 * host while another owner serves one. Unlimited `write` (and the system) may mix owners.
 */
function hostOwnedElsewhere(
  ctx: KindContext,
  others: readonly OtherRoute[],
  candidate: { name: string; spec: RouteSpec },
): FieldError[] {
  if (ctx.scopes.length === 0 || scopesGrant(ctx.scopes, 'write', null)) return [];
  const owner = candidate.spec.environment ?? null;
  const host = candidate.spec.host?.toLowerCase();
  for (const other of others) {
    const otherOwner = routeOwner(other.spec);
    if (otherOwner === owner) continue;
    const otherHost = (other.spec as RouteSpec).host?.toLowerCase();
    if (host !== undefined && otherHost !== undefined && host !== otherHost) continue;
    const whose = otherOwner ? `environment "${otherOwner}"` : 'the operator';
    return [
      {
        path: 'spec.host',
        message: `${otherHost ? `host ${otherHost}` : 'every host'} is served by Route "${other.metadata.name}" of ${whose}: a Route may not share a host with another owner's (an admin may)`,
      },
    ];
  }
  return [];
}

/** Two routes may not claim the same host and prefix: check the whole table with the change in it. */
function checkAgainstOtherRoutes(
  others: readonly OtherRoute[],
  candidate: { name: string; spec: RouteSpec },
): FieldError[] {
  const routes = others.map((r) => toRouteConfig(r.metadata.name, r.spec as RouteSpec));
  try {
    parseRouterSnapshot({ version: 0, routes: [...routes, toRouteConfig(candidate.name, candidate.spec)] });
    return [];
  } catch (error) {
    return ((error as { fields?: FieldError[] }).fields ?? []).map((f) => ({
      path: 'spec',
      message: `${f.path}: ${f.message}`,
    }));
  }
}
