/**
 * The routing slice: Route resources published to data-plane routers as snapshots, router
 * heartbeats, and the embedded router when `embeddedRouter` is on.
 */
import { join } from 'node:path';
import { CountsFeed, createRouter, type Router } from '@sluice/router';
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import { RouterConfigService } from './router-config.service.js';
import { routingRoutes } from './routing.routes.js';
import { trafficSeriesRoutes } from './traffic-series.routes.js';

export async function routingSlice(ctx: SliceContext, needs: { resources: ResourceService }) {
  const { quotas } = ctx.config;
  const routerConfig = new RouterConfigService(ctx.db, ctx.now, ctx.logError, {
    perToken: quotas.routersPerToken,
    staleMs: quotas.routerStaleSeconds * 1000,
  });
  await routerConfig.start();
  const router = ctx.config.embeddedRouter ? await startEmbeddedRouter(ctx, routerConfig) : null;
  needs.resources.onChange((change) => {
    if (change.kind === 'Route') void routerConfig.refresh();
  });
  return {
    routerConfig,
    /** The embedded data-plane router, or null. */
    router,
    routes: [
      ...routingRoutes(routerConfig, () => router?.status() ?? null),
      ...trafficSeriesRoutes(
        () =>
          router && {
            status: () => router.status(),
            window: (route, version, windowMs, at) => router.metrics.window(route, version, windowMs, at),
            retentionMs: router.metrics.retentionMs,
          },
        ctx.now,
      ),
    ],
    drain: () => routerConfig.stop(),
    stop: () => router?.close(),
  };
}

/**
 * The data plane in this process: applies every snapshot the control plane publishes, and
 * keeps serving its last one (saved under the data directory) whatever happens to the rest.
 */
async function startEmbeddedRouter(ctx: SliceContext, routerConfig: RouterConfigService): Promise<Router> {
  const { config, log } = ctx;
  const router = await createRouter({
    listen: { port: config.routerPort, host: config.host },
    adminListen: { port: config.routerAdminPort, host: config.host },
    stateDir: join(config.dataDir, 'router'),
    workers: config.routerWorkers,
    log: (level, message, fields) =>
      log?.[level === 'debug' ? 'debug' : level]({ ...fields, component: 'router' }, message),
  });
  const apply = (snapshot: unknown) =>
    router
      .applyConfig(snapshot)
      .catch((error: unknown) => log?.error({ err: error }, 'the embedded router refused a snapshot'));
  routerConfig.onSnapshot((snapshot) => void apply(snapshot));
  await apply(await routerConfig.snapshot());
  // the embedded router's counts go to the same listeners as standalone routers' pushes
  const counts = new CountsFeed({
    metrics: router.metrics,
    deliver: (versions) => routerConfig.recordCounts('embedded', versions),
  });
  counts.start();
  const close = router.close.bind(router);
  router.close = async () => {
    counts.stop();
    await close();
  };
  return router;
}
