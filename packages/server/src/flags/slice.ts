/** The flags slice: compiled flag sets per environment, kill switches, evaluation, their routes. */
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import type { EmergencyService } from './emergency/emergency.service.js';
import { FlagSetCache } from './flag-sets.js';
import { flagRoutes } from './flags.routes.js';
import { FlagsService } from './flags.service.js';

export async function flagsSlice(
  ctx: SliceContext,
  needs: { resources: ResourceService; emergency: EmergencyService },
) {
  const flagSets = new FlagSetCache(ctx.db, needs.emergency, ctx.logError, ctx.now);
  await flagSets.start();
  needs.resources.onChange((change) => {
    // experiments are served as flags of their keys
    if (change.environment && ['Flag', 'Segment', 'Experiment'].includes(change.kind))
      flagSets.invalidate(change.environment);
  });
  const service = new FlagsService(ctx.db, flagSets, ctx.now);
  return {
    flagSets,
    service,
    routes: flagRoutes(service, ctx.defaultEnvironment),
    stop: () => flagSets.stop(),
  };
}
