/** The environments slice: the default environments exist from the first start. */

import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import { ensureDefaultEnvironments } from './defaults.js';

export async function environmentsSlice(
  ctx: SliceContext,
  needs: { resources: ResourceService; registry: KindRegistry },
) {
  await ensureDefaultEnvironments(
    needs.resources,
    needs.registry.get('Environment'),
    ctx.config.defaultEnvironment,
  );
  return {};
}
