/** The flag schedules slice: flag changes applied at a set time, and their routes. */
import type { ResourceService } from '../../resources/resources.service.js';
import type { SliceContext } from '../../slice.js';
import type { FlagSetCache } from '../flag-sets.js';
import { FlagScheduler } from './flag-scheduler.js';
import { flagScheduleRoutes } from './schedules.routes.js';

export function schedulesSlice(
  ctx: SliceContext,
  needs: { resources: ResourceService; flagSets: FlagSetCache },
) {
  const scheduler = new FlagScheduler({
    db: ctx.db,
    resources: needs.resources,
    now: ctx.now,
    onApplied: (s) => needs.flagSets.invalidate(s.environment),
    log: ctx.logError,
  });
  return {
    scheduler,
    routes: flagScheduleRoutes(scheduler, ctx.defaultEnvironment),
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
