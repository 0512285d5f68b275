/** The resources slice: the kinds registry, versioned and audited writes, the generic routes. */
import { PrometheusMetricProvider } from '../analysis/providers/prometheus.provider.js';
import type { EmergencyLookup } from '../flags/flag.kind.js';
import { createKindRegistry } from '../kinds.js';
import { SecretResolver } from '../secrets/secrets.js';
import type { SliceContext } from '../slice.js';
import { resourceRoutes } from './resources.routes.js';
import { ResourceService } from './resources.service.js';

export function resourcesSlice(ctx: SliceContext, needs: { emergency: EmergencyLookup }) {
  const registry = createKindRegistry({
    defaultEnvironment: ctx.defaultEnvironment,
    emergency: needs.emergency,
    // MetricTemplates' PromQL is checked against Prometheus at apply when it answers
    promql: new PrometheusMetricProvider({
      defaultAddress: ctx.config.prometheusUrl,
      secrets: new SecretResolver(process.env, ctx.config.dataDir),
      timeoutMs: 2_000,
    }),
  });
  const service = new ResourceService(ctx.db, registry, ctx.now, (message) => ctx.log?.warn(message));
  return {
    registry,
    service,
    /** Resolves when the Environment exists; rejects with NOT_FOUND otherwise. */
    environmentExists: async (name: string): Promise<void> => {
      await service.get(registry.get('Environment'), null, name);
    },
    routes: resourceRoutes(service, ctx.defaultEnvironment),
  };
}
