/** The tracking slice: user-behaviour events from apps (page views, conversions) and their store. */
import { RateQuota } from '../http/quota.js';
import type { SliceContext } from '../slice.js';
import { createEventStore, type EventCounts } from './event-store.js';
import { EventRetention } from './retention.js';
import { type ExperimentEvents, trackingRoutes } from './tracking.routes.js';

export function trackingSlice(
  ctx: SliceContext,
  needs: { environmentExists: (name: string) => Promise<void>; experiments?: ExperimentEvents },
) {
  const store = createEventStore(ctx.db);
  const { quotas } = ctx.config;
  const retention = new EventRetention(store, quotas.eventsRetentionDays, ctx.now, ctx.logError);
  /** Event counts by name, for the `events` metric provider. */
  const counts: EventCounts = { countByName: (...args) => store.countByName(...args) };
  return {
    counts,
    routes: trackingRoutes({
      store,
      defaultEnvironment: ctx.defaultEnvironment,
      environmentExists: needs.environmentExists,
      now: ctx.now,
      quota: new RateQuota(quotas.eventsPerSecond, () => ctx.now().getTime()),
      ...(needs.experiments ? { experiments: needs.experiments } : {}),
    }),
    start: () => retention.start(),
    stop: () => retention.stop(),
  };
}
