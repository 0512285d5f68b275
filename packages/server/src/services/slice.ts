/**
 * The services slice: what runs for each Service (`GET /api/v1/service-versions`), and the
 * rule that a deleted Service's versions are stopped — processes Sluice started are Sluice's
 * to stop.
 */
import { createDeployProvider } from '../deploy/factory.js';
import { operatorSecrets } from '../operator/operator-config.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import type { ServiceSpec } from './service.schema.js';
import { serviceRoutes } from './services.routes.js';
import { ServiceVersions } from './versions.js';

export function servicesSlice(
  ctx: SliceContext,
  needs: { resources: ResourceService; registry: KindRegistry },
) {
  const secrets = operatorSecrets(ctx.config.operator, process.env, ctx.config.dataDir);
  const versions = new ServiceVersions({
    resources: needs.resources,
    registry: needs.registry,
    now: ctx.now,
    provider: (ref) =>
      createDeployProvider(ref.spec.deploy, {
        service: ref.name,
        environment: ref.environment,
        dataDir: ctx.config.dataDir,
        secrets,
        connections: ctx.config.operator.connections,
        healthCheck: ref.spec.healthCheck,
      }),
  });
  const stopping = new Set<Promise<void>>();
  needs.resources.onChange((change) => {
    if (change.kind !== 'Service' || change.action !== 'deleted' || !change.before || !change.environment)
      return;
    const ref = {
      environment: change.environment,
      name: change.name,
      spec: change.before.spec as ServiceSpec,
    };
    const done: Promise<void> = versions
      .stop(ref)
      .then(({ stopped, failed }) => {
        if (stopped.length)
          ctx.log?.info(
            `Service ${ref.name} (${ref.environment}) deleted: stopped ${stopped.map((v) => v.version).join(', ')}`,
          );
        for (const f of failed) ctx.log?.error(`Service ${ref.name} deleted, but stopping failed: ${f}`);
      })
      .catch((error: unknown) => ctx.logError(`stopping the versions of deleted Service ${ref.name}`, error))
      .finally(() => stopping.delete(done));
    stopping.add(done);
  });
  return {
    versions,
    routes: serviceRoutes(versions, ctx.defaultEnvironment),
    /** Lets the stops of just-deleted Services finish before the server closes. */
    drain: async () => {
      await Promise.allSettled([...stopping]);
    },
  };
}
