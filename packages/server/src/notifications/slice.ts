/**
 * The notifications slice: Notifier resources, the outbox the rollout runtime writes into (in
 * each event's transaction), the delivery loop, and `GET /api/v1/notifiers/{name}/status`.
 */

import { Gauge } from 'prom-client';
import type { SluiceApp } from '../http/app.js';
import type { ResourceService } from '../resources/resources.service.js';
import { SecretResolver } from '../secrets/index.js';
import type { SliceContext } from '../slice.js';
import type { Executor } from '../storage/index.js';
import { OutboxDelivery } from './delivery.js';
import { emergencyNotice, flagKilledNotice } from './notices.js';
import { notificationRoutes } from './notifications.routes.js';
import { NotificationsService } from './notifications.service.js';
import { type NotifierSpec, notifierKind } from './notifier.kind.js';
import { enqueueNotices, outboxObserver } from './outbox.js';

export function notificationsSlice(ctx: SliceContext, needs: { resources: ResourceService }) {
  const service = new NotificationsService(ctx.db);
  const delivery = new OutboxDelivery({
    db: ctx.db,
    notifier: async (name) =>
      ((await needs.resources.find(notifierKind, null, name))?.spec as NotifierSpec | undefined) ?? null,
    secrets: new SecretResolver(process.env, ctx.config.dataDir),
    now: ctx.now,
    tickMs: ctx.config.notifyIntervalMs,
    log: ctx.logError,
  });
  return {
    service,
    delivery,
    /** For the rollouts slice: notices go to the outbox in each event's transaction. */
    observer: outboxObserver(ctx.now),
    /** For the flags slice's kills, in the kill's transaction. */
    onFlagKilled: async (trx: Executor, kill: Parameters<typeof flagKilledNotice>[0]) => {
      await enqueueNotices(trx, [flagKilledNotice(kill)], ctx.now());
    },
    /** For the emergency slice's stops, in the stop's transaction. */
    onEmergencyStopped: async (trx: Executor, state: Parameters<typeof emergencyNotice>[0]) => {
      await enqueueNotices(trx, [emergencyNotice(state)], ctx.now());
    },
    routes: notificationRoutes(service, needs.resources),
    mount(app: SluiceApp) {
      new Gauge({
        name: 'sluice_notification_outbox_depth',
        help: 'Notices in the outbox not yet delivered',
        registers: [app.metrics],
        async collect() {
          this.set(await service.depth());
        },
      });
    },
    start: () => delivery.start(),
    stop: () => delivery.stop(),
  };
}
