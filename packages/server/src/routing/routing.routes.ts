import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { MAX_HEALTH_BYTES, type RouterConfigService } from './router-config.service.js';

const heartbeatBody = z
  .object({
    adminUrl: z.url({ protocol: /^https?$/ }).nullable(),
    configVersion: z.number().int().min(0),
    health: z
      .record(z.string(), z.unknown())
      .default({})
      .refine((h) => Buffer.byteLength(JSON.stringify(h)) <= MAX_HEALTH_BYTES, {
        message: `health is at most ${MAX_HEALTH_BYTES / 1024} KiB of JSON`,
      }),
  })
  .strict();

const countsBody = z
  .object({
    versions: z
      .array(
        z
          .object({
            route: z.string().min(1).max(253),
            version: z.string().min(1).max(128),
            requests: z.number().int().min(0),
            errors: z.number().int().min(0),
          })
          .strict(),
      )
      .max(2_000),
  })
  .strict();

const routerIdParams = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'router ids are letters, digits, ".", "_", ":" or "-"'),
  })
  .strict();

export function routingRoutes(config: RouterConfigService, embedded: () => unknown): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/router-config',
      scope: 'router',
      summary: 'The current router configuration snapshot',
      tag: 'routing',
      async handler({ reply }) {
        const snapshot = await config.snapshot();
        reply.header('etag', `"${snapshot.version}"`);
        return snapshot;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/router-config/stream',
      scope: 'router',
      summary: 'Server-sent events: `snapshot` with the whole configuration, now and on every change',
      tag: 'routing',
      produces: 'text/event-stream',
      async handler({ reply }) {
        const first = await config.snapshot();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        const send = (s: unknown & { version: number }) =>
          res.write(`event: snapshot\nid: ${s.version}\ndata: ${JSON.stringify(s)}\n\n`);
        send(first);
        const unsubscribe = config.onSnapshot(send);
        const untrack = config.trackStream(() => res.end());
        // comment lines keep proxies and the router's idle detector content
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        keepAlive.unref();
        res.on('close', () => {
          clearInterval(keepAlive);
          unsubscribe();
          untrack();
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/routers/:id/heartbeat',
      scope: 'router',
      summary: 'A router reports its applied configuration version and health',
      tag: 'routing',
      params: routerIdParams,
      body: heartbeatBody,
      response: z.object({ routerId: z.string(), configVersion: z.number(), latestVersion: z.number() }),
      async handler({ params, body, principal }) {
        const beat = config.recordHeartbeat(params.id, body, principal.tokenId ?? principal.subject);
        return {
          routerId: beat.routerId,
          configVersion: beat.configVersion,
          latestVersion: (await config.snapshot()).version,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/routers/:id/counts',
      scope: 'router',
      summary:
        'A router pushes the lifetime request and error counts of the versions whose counts changed; running canaries are judged on them at once',
      tag: 'routing',
      params: routerIdParams,
      body: countsBody,
      status: 202,
      response: z.object({ accepted: z.number() }),
      handler({ params, body }) {
        config.recordCounts(params.id, body.versions);
        return { accepted: body.versions.length };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/routers',
      scope: 'read',
      summary: 'Routers: the embedded one and every standalone router that sent a heartbeat',
      tag: 'routing',
      handler: () => ({ embedded: embedded() ?? null, standalone: config.routers() }),
    }),
  ];
}
