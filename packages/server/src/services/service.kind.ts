/**
 * `Service` as a resource kind: environment-scoped (`metadata.environment: production`), applied
 * after Environments and Routes. The orchestrator reads it to build the deploy provider
 * (`createDeployProvider(spec.deploy, …)`) and the traffic provider for a rollout stage whose
 * `config.app_name` names it.
 */
import type { KindContext, KindDefinition } from '../resources/kind.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { assertOwned } from '../routing/route.kind.js';
import { serviceHostReach } from './service.host-reach.js';
import { type ServiceSpec, serviceNameSchema, serviceSpecSchema } from './service.schema.js';

export const serviceKind: KindDefinition<ServiceSpec> = {
  kind: 'Service',
  plural: 'services',
  aliases: ['service', 'svc'],
  environmentScoped: true,
  spec: serviceSpecSchema,
  name: serviceNameSchema,
  applyOrder: 30,
  hostReach: serviceHostReach,
  check: async (ctx, service) => {
    await routeOwnedHere(ctx, service);
    return [];
  },
};

/**
 * A Service on the builtin router drives the Route it names (else the one named after it); that
 * Route must be its environment's or not exist yet (SECURITY.md, "Ownership"). Checked here so
 * the apply is refused at once; the provider checks again when it writes.
 */
async function routeOwnedHere(
  ctx: KindContext,
  service: { name: string; environment: string | null; spec: ServiceSpec },
): Promise<void> {
  if (service.spec.traffic.provider !== 'builtin' || !service.environment) return;
  const route = service.spec.traffic.route.name ?? service.name;
  const existing = await createResourceStore(ctx.trx).get('Route', null, route);
  if (existing) assertOwned(route, service.environment, existing.spec);
}
