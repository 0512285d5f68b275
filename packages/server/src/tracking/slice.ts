/** The tracking slice: user-behaviour events from apps (page views, conversions) and their store. */
import type { SliceContext } from '../slice.js';
import { createEventStore, type EventCounts } from './event-store.js';
import { type ExperimentEvents, trackingRoutes } from './tracking.routes.js';

export function trackingSlice(
  ctx: SliceContext,
  needs: { environmentExists: (name: string) => Promise<void>; experiments?: ExperimentEvents },
) {
  const store = createEventStore(ctx.db);
  /** Event counts by name, for the `events` metric provider. */
  const counts: EventCounts = { countByName: (...args) => store.countByName(...args) };
  return {
    counts,
    routes: trackingRoutes({
      store,
      defaultEnvironment: ctx.defaultEnvironment,
      environmentExists: needs.environmentExists,
      now: ctx.now,
      ...(needs.experiments ? { experiments: needs.experiments } : {}),
    }),
  };
}
