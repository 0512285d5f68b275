import type { AnyKind } from '../resources/kind.js';
import type { ResourceService } from '../resources/resources.service.js';

/**
 * `development` and `production` (and the configured default) exist from the start. Creating
 * them only when missing keeps a restart from writing versions or audit entries.
 */
export async function ensureDefaultEnvironments(
  service: ResourceService,
  kind: AnyKind,
  defaultEnvironment: string,
): Promise<void> {
  const names = [...new Set(['development', 'production', defaultEnvironment])];
  for (const name of names) {
    if (await service.find(kind, null, name)) continue;
    await service
      .put(
        { kind, name, environment: null, spec: kind.spec.parse({}), source: 'seed', expectedVersion: 0 },
        { subject: 'system', requestId: null },
      )
      .catch((error: { code?: string }) => {
        // another replica created it first
        if (error.code !== 'VERSION_CONFLICT' && error.code !== 'ALREADY_EXISTS') throw error;
      });
  }
}
