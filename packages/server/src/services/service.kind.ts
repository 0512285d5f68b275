/**
 * `Service` as a resource kind: environment-scoped (`metadata.environment: production`), applied
 * after Environments and Routes. The orchestrator reads it to build the deploy provider
 * (`createDeployProvider(spec.deploy, …)`) and the traffic provider for a rollout stage whose
 * `config.app_name` names it.
 */
import type { KindDefinition } from '../resources/kind.js';
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
};
