/**
 * The `builtin` traffic provider: the Sluice router. A change is written to the service's
 * Route resource (versioned and audited like any resource, actor `traffic:builtin`), published
 * as a new router snapshot, and read back from the embedded router once it has applied it — so
 * what this provider reports is what the data plane does, not what was asked.
 *
 * The Route belongs to the Service's environment (SECURITY.md, "Ownership"): a new one is created
 * owned by it, one owned by another environment or by the operator is refused (ROUTE_NOT_OWNED),
 * and the write is made with the authority of whoever the run acts for (`actor`), never admin.
 *
 * One upstream URL per version (the router's model); a version whose weights are all still
 * zero (backends set, no split yet) cannot be routed, so that interim state is held here until
 * the first split makes the Route whole.
 */
import type { Router } from '@sluice/router';
import type { RouteConfig } from '@sluice/router/config';
import type { KindRegistry } from '../resources/registry.js';
import type { Actor, ResourceService } from '../resources/resources.service.js';
import { assertOwned, type RouteSpec } from '../routing/route.kind.js';
import type { RouterConfigService } from '../routing/router-config.service.js';
import { TrafficApplyTimeout, TrafficCapabilityMissing, TrafficProviderUnavailable } from './errors.js';
import { type AppliedTraffic, EMPTY_TRAFFIC } from './model.js';
import { createTrafficProvider } from './plan.js';
import type { TrafficCapabilities, TrafficProvider } from './provider.js';

export const BUILTIN_CAPABILITIES: TrafficCapabilities = Object.freeze({
  weights: true,
  backends: true,
  headerMatch: true,
  cookieMatch: true,
  queryMatch: true,
  mirror: true,
  sticky: true,
});

export interface BuiltinOptions {
  /** The Route resource this provider drives. */
  route: string;
  /** The environment of the Service: the Route's owner. */
  environment: string;
  /** Whom the writes are made for (the run's authority in `environment`), checked like any write. */
  actor: Pick<Actor, 'subject' | 'scopes'>;
  /** Used when the Route does not exist yet. */
  host?: string | undefined;
  pathPrefix?: string | undefined;
  /** Sticky sessions for the route, as the Service asks (kept on every write). */
  sticky?: RouteConfig['sticky'];
  resources: ResourceService;
  registry: KindRegistry;
  routerConfig: RouterConfigService;
  /** The embedded router, which read-back comes from; null reads the published snapshot. */
  router: Router | null;
  /** How long to wait for the router to apply a change. */
  applyTimeoutMs?: number;
}

const SOURCE = { header: 'header', cookie: 'cookie', query: 'query' } as const;

function fromRoute(route: RouteConfig | RouteSpec | undefined): AppliedTraffic {
  if (!route) return EMPTY_TRAFFIC;
  return {
    backends: Object.fromEntries(route.versions.map((v) => [v.name, [v.url]])),
    weights: Object.fromEntries(route.versions.map((v) => [v.name, route.weights[v.name] ?? 0])),
    matchRules: (route.match ?? []).map((m) => ({
      source: SOURCE[m.kind],
      name: m.name,
      value: m.value,
      version: m.version,
    })),
    mirror: route.mirror ? { version: route.mirror.version, percent: route.mirror.percent } : null,
  };
}

export function createBuiltinProvider(options: BuiltinOptions): TrafficProvider {
  let staged: AppliedTraffic | null = null;
  const routeKind = () => options.registry.get('Route');

  const readApplied = async (): Promise<AppliedTraffic> => {
    // another environment's Route is neither written nor read (its upstreams are not ours to see)
    const resource = await options.resources.find(routeKind(), null, options.route);
    if (resource) assertOwned(options.route, options.environment, resource.spec);
    if (options.router) {
      let table: ReturnType<Router['table']>;
      try {
        table = options.router.table();
      } catch (error) {
        throw TrafficProviderUnavailable(`the embedded router cannot be read: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const route = table.routes.find((r) => r.name === options.route);
      return route ? fromRoute(route.config) : (staged ?? EMPTY_TRAFFIC);
    }
    return resource ? fromRoute(resource.spec as RouteSpec) : (staged ?? EMPTY_TRAFFIC);
  };

  return createTrafficProvider({
    name: 'builtin',
    capabilities: BUILTIN_CAPABILITIES,
    read: readApplied,
    validate(next) {
      for (const [version, urls] of Object.entries(next.backends)) {
        if (urls.length > 1) {
          throw TrafficCapabilityMissing(
            `the builtin router takes one upstream per version; "${version}" has ${urls.length} (put a load balancer in front, or use haproxy/nginx)`,
            {
              fields: [{ path: `backends.${version}`, message: 'one upstream URL per version' }],
            },
          );
        }
      }
    },
    async apply(next) {
      const total = Object.values(next.weights).reduce((a, b) => a + b, 0);
      if (total === 0) {
        staged = next; // not routable yet: no version takes traffic
        return;
      }
      const existing = await options.resources.find(routeKind(), null, options.route);
      if (existing) assertOwned(options.route, options.environment, existing.spec);
      const base = (existing?.spec ?? {
        pathPrefix: options.pathPrefix ?? '/',
        ...(options.host ? { host: options.host } : {}),
      }) as Record<string, unknown>;
      const spec = {
        ...base,
        environment: options.environment,
        ...(options.sticky ? { sticky: options.sticky } : {}),
        versions: Object.entries(next.backends).map(([name, urls]) => ({ name, url: urls[0] as string })),
        weights: next.weights,
        match: next.matchRules.map((r) => ({
          kind: r.source,
          name: r.name,
          value: r.value,
          version: r.version,
        })),
        ...(next.mirror
          ? {
              mirror: {
                ...((base.mirror as object) ?? {}),
                version: next.mirror.version,
                percent: next.mirror.percent,
              },
            }
          : {}),
      } as Record<string, unknown>;
      if (!next.mirror) delete spec.mirror;
      await options.resources.put(
        {
          kind: routeKind(),
          name: options.route,
          environment: null,
          spec: routeKind().spec.parse(spec),
          source: `traffic:${options.route}`,
        },
        { subject: options.actor.subject, requestId: null, scopes: options.actor.scopes ?? [] },
      );
      staged = null;
      const snapshot = await options.routerConfig.refresh();
      if (!options.router) return;
      const deadline = Date.now() + (options.applyTimeoutMs ?? 5000);
      while (options.router.status().configVersion < snapshot.version) {
        if (Date.now() > deadline)
          throw TrafficApplyTimeout(
            `the embedded router did not apply configuration v${snapshot.version} in time`,
          );
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  });
}
