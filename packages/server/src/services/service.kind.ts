/**
 * `Service` as a resource kind: environment-scoped (`metadata.environment: production`), applied
 * after Environments and Routes. The orchestrator reads it to build the deploy provider
 * (`createDeployProvider(spec.deploy, …)`) and the traffic provider for a rollout stage whose
 * `config.app_name` names it.
 */
import { Forbidden } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import type { KindDefinition } from '../resources/kind.js';
import { type ServiceSpec, serviceNameSchema, serviceSpecSchema } from './service.schema.js';

export const serviceKind: KindDefinition<ServiceSpec> = {
  kind: 'Service',
  plural: 'services',
  aliases: ['service', 'svc'],
  environmentScoped: true,
  spec: serviceSpecSchema,
  name: serviceNameSchema,
  applyOrder: 30,
  async check(ctx, service) {
    // A `process` Service runs its command on the control plane's host: that is an admin's call,
    // not every writer's. (No scopes: the system itself, e.g. a rollout moving stableVersion.)
    if (
      service.spec.deploy.provider === 'process' &&
      ctx.scopes.length > 0 &&
      !scopesGrant(ctx.scopes, 'admin', service.environment)
    )
      throw Forbidden(
        `Service "${service.name}" uses the process deploy provider, which runs commands on the control plane host; only admin tokens write it`,
      );
    return [];
  },
};
