import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { NotificationsService } from './notifications.service.js';
import { notifierKind } from './notifier.kind.js';

const rowSchema = z.object({
  key: z.string(),
  notifier: z.string(),
  event: z.string(),
  environment: z.string(),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  nextAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

const statusSchema = z
  .object({
    notifier: z.string(),
    counts: z.object({ pending: z.number(), delivered: z.number(), dead: z.number() }),
    dead: z.array(rowSchema),
    recent: z.array(rowSchema),
  })
  .meta({ id: 'NotifierStatus' });

const strip = ({ payload: _payload, ...row }: { payload: string } & z.infer<typeof rowSchema>) => row;

export function notificationRoutes(service: NotificationsService, resources: ResourceService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/notifiers/:name/status',
      scope: 'read',
      environment: () => null,
      summary: "A notifier's outbox: notices waiting, delivered and dead, with the last error",
      tag: 'notifications',
      params: z.object({ name: z.string().min(1).max(128) }).strict(),
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }).strict(),
      response: statusSchema,
      async handler({ params, query }) {
        await resources.get(notifierKind, null, params.name);
        const status = await service.status(params.name, query.limit);
        return { ...status, dead: status.dead.map(strip), recent: status.recent.map(strip) };
      },
    }),
  ];
}
