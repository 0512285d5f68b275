/**
 * Assembles the control plane: database, migrations, then one factory per slice (see slice.ts
 * and docs/architecture.md), the HTTP app over their routes. `listen` and `close` give a
 * graceful lifecycle: close stops accepting, lets in-flight requests finish, stops the slices,
 * then closes the database.
 */

import type { Router } from '@sluice/router';
import type { FastifyBaseLogger } from 'fastify';
import type { MetricRegistry } from './analysis/registry.js';
import { analysisSlice } from './analysis/slice.js';
import { metricTemplateLookup } from './analysis/templates/lookup.js';
import { auditSlice } from './audit/slice.js';
import type { ServerConfig } from './config.js';
import { dashboardSlice } from './dashboard/slice.js';
import { environmentsSlice } from './environments/slice.js';
import type { ExperimentsService } from './experiments/experiments.service.js';
import type { EvaluationExposures } from './experiments/exposures.js';
import { experimentsSlice } from './experiments/slice.js';
import type { EmergencyService } from './flags/emergency/emergency.service.js';
import { EMERGENCY_HEADER, emergencyHeaderValue } from './flags/emergency/header.js';
import { emergencySlice } from './flags/emergency/slice.js';
import { featureApiSlice } from './flags/feature-api/slice.js';
import type { FlagSetCache } from './flags/flag-sets.js';
import type { FlagsService } from './flags/flags.service.js';
import type { EvaluationInsight } from './flags/insight/evaluation-insight.js';
import { insightSlice } from './flags/insight/slice.js';
import type { EvaluationHook } from './flags/ofrep/evaluator.js';
import { ofrepSlice } from './flags/ofrep/slice.js';
import type { FlagScheduler } from './flags/schedules/flag-scheduler.js';
import { schedulesSlice } from './flags/schedules/slice.js';
import { sdkSyncSlice } from './flags/sdk-sync/slice.js';
import { flagsSlice } from './flags/slice.js';
import { gitopsSlice } from './gitops/slice.js';
import { buildApp, type SluiceApp } from './http/app.js';
import { RequestLog } from './http/request-log.js';
import { notificationsSlice } from './notifications/slice.js';
import type { CommitOf } from './releases/releases.service.js';
import { releasesSlice } from './releases/slice.js';
import type { ResourceService } from './resources/resources.service.js';
import { resourcesSlice } from './resources/slice.js';
import { type RolloutsSlice, rolloutsSlice } from './rollouts/slice.js';
import type { RouterConfigService } from './routing/router-config.service.js';
import { routingSlice } from './routing/slice.js';
import { routerTrafficSummary } from './routing/traffic-summary.js';
import { servicesSlice } from './services/slice.js';
import type { ServiceVersions } from './services/versions.js';
import { type Slice, type SliceContext, startSlices, stopSlices } from './slice.js';
import { type DatabaseHandle, migrate, openDatabase } from './storage/index.js';
import { checkInstallIdentity } from './storage/install.js';
import { systemSlice } from './system/slice.js';
import type { BootstrapResult } from './tokens/bootstrap.js';
import { tokensSlice } from './tokens/slice.js';
import type { TokenService } from './tokens/tokens.service.js';
import { trackingSlice } from './tracking/slice.js';
import { watchSlice } from './watch/slice.js';

export const SLUICE_VERSION = '0.1.0';

export interface SluiceServer {
  config: ServerConfig;
  app: SluiceApp;
  database: DatabaseHandle;
  resources: ResourceService;
  tokens: TokenService;
  emergency: EmergencyService;
  flagSets: FlagSetCache;
  flags: FlagsService;
  /** Evaluation counters (`recordEvaluation`) and stale-flag detection. */
  insight: EvaluationInsight;
  schedules: FlagScheduler;
  routerConfig: RouterConfigService;
  rollouts: RolloutsSlice;
  /** Experiments: lifecycle and results, and the exposures taken from flag evaluations. */
  experiments: { service: ExperimentsService; exposures: EvaluationExposures };
  /** Metric providers by metric name (`error_rate`, `bounce_rate`, …), for metric gates. */
  metrics: MetricRegistry;
  /** The embedded data-plane router, when `embeddedRouter` is on. */
  router: Router | null;
  /** What runs for each Service; stops a Service's versions. */
  services: ServiceVersions;
  bootstrap: BootstrapResult;
  /** Starts listening; resolves to the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateServerOptions {
  logger?: FastifyBaseLogger | boolean;
  now?: () => Date;
  /** Serve the built dashboard from this folder at `/` (`sluice up` passes packages/dashboard/dist). */
  dashboardDir?: string;
}

export async function createServer(
  config: ServerConfig,
  options: CreateServerOptions = {},
): Promise<SluiceServer> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgSchema: config.pgSchema,
  });
  const slices: Slice[] = [];
  try {
    await migrateWithRetry(database);
    if (database.dialect === 'sqlite') await checkInstallIdentity(database, config.dataDir);
    const log = options.logger && typeof options.logger === 'object' ? options.logger : undefined;
    let listening: string | undefined;
    const ctx: SliceContext = {
      config,
      database,
      db: database.db,
      now: options.now ?? (() => new Date()),
      defaultEnvironment: () => config.defaultEnvironment,
      log,
      logError: (message, error) => log?.error({ err: error }, message),
      url: () => listening,
    };
    // one line per slice, in build order: routes keep this order, stopping runs it backwards
    const add = <S extends Slice>(slice: S): S => {
      slices.push(slice);
      return slice;
    };
    add(systemSlice(ctx, { version: SLUICE_VERSION }));
    // the emergency routes check environments, which are resources, whose kinds read emergencies
    const environmentExists = (name: string): Promise<void> => resources.environmentExists(name);
    const emergency = add(await emergencySlice(ctx, { environmentExists }));
    const resources = add(resourcesSlice(ctx, { emergency: emergency.status }));
    const flags = add(await flagsSlice(ctx, { resources: resources.service, emergency: emergency.service }));
    const insight = add(insightSlice(ctx, { flags: flags.service, resources: resources.service }));
    const schedules = add(schedulesSlice(ctx, { resources: resources.service, flagSets: flags.flagSets }));
    const routing = add(await routingSlice(ctx, { resources: resources.service }));
    const experiments = add(experimentsSlice(ctx, { resources: resources.service }));
    const tracking = add(trackingSlice(ctx, { environmentExists, experiments: experiments.events }));
    const routers = () => routing.routerConfig.routers();
    const templates = metricTemplateLookup(resources.service, resources.registry);
    const analysis = add(
      analysisSlice(ctx, { router: routing.router, routers, events: tracking.counts, templates }),
    );
    const notifications = add(notificationsSlice(ctx, { resources: resources.service }));
    // kills and emergency stops put their notices in the outbox in their own transactions
    flags.service.onKill(notifications.onFlagKilled);
    emergency.service.onStop(notifications.onEmergencyStopped);
    // releases read where a Rollout version came from, which the GitOps slice (built later) knows
    const commitOf: CommitOf = (environment, rollout, version) =>
      gitops.commitOf(environment, rollout, version);
    const releases = add(releasesSlice(ctx, { commitOf }));
    const rollouts = add(
      await rolloutsSlice(ctx, {
        resources: resources.service,
        registry: resources.registry,
        emergency: emergency.service,
        routerConfig: routing.routerConfig,
        router: routing.router,
        metrics: analysis.registry,
        experiments: experiments.service,
        observers: [notifications.observer, releases.observer],
      }),
    );
    rollouts.runtime.onTransition(() => notifications.delivery.wake());
    const gitops = add(
      gitopsSlice(ctx, {
        resources: resources.service,
        registry: resources.registry,
        rollouts: rollouts.service,
      }),
    );
    const services = add(servicesSlice(ctx, { resources: resources.service, registry: resources.registry }));
    add(await environmentsSlice(ctx, { resources: resources.service, registry: resources.registry }));
    add(auditSlice(ctx));
    const tokens = add(await tokensSlice(ctx));
    const evaluation = {
      flagSets: flags.flagSets,
      tokens: tokens.service,
      emergency: emergency.status,
      onEvaluated: ((environment, flag, variant, result, context) => {
        insight.onEvaluated(environment, flag, variant);
        experiments.onEvaluated(environment, flag, variant, result, context);
      }) satisfies EvaluationHook,
    };
    add(ofrepSlice(ctx, evaluation));
    add(featureApiSlice(ctx, { ...evaluation, resources: resources.service }));
    add(
      sdkSyncSlice(ctx, {
        flagSets: flags.flagSets,
        tokens: tokens.service,
        emergency: emergency.status,
        recordEvaluations: (environment, flag, variant, count) =>
          insight.insight.recordEvaluation(environment, flag, variant, count),
      }),
    );
    add(
      watchSlice(ctx, {
        resources: resources.service,
        runtime: rollouts.runtime,
        emergency: emergency.service,
        flagSets: flags.flagSets,
        tokens: tokens.service,
      }),
    );
    add(dashboardSlice(ctx, { dir: options.dashboardDir }));

    const requestLog = log ? new RequestLog({ log, every: config.logRequests }) : undefined;
    if (routing.router) requestLog?.addSource('router', routerTrafficSummary(routing.router));
    const app = buildApp({
      routes: slices.flatMap((slice) => slice.routes ?? []),
      tokens: tokens.service,
      logger: options.logger ?? false,
      requestLog,
      storage: database.health,
      decorateResponse: (reply, environment) => {
        const value = emergencyHeaderValue(environment ? emergency.status(environment) : null);
        if (value) reply.header(EMERGENCY_HEADER, value);
      },
    });
    for (const slice of slices) slice.mount?.(app);
    await startSlices(slices);
    return {
      config,
      app,
      database,
      resources: resources.service,
      tokens: tokens.service,
      emergency: emergency.service,
      flagSets: flags.flagSets,
      flags: flags.service,
      insight: insight.insight,
      schedules: schedules.scheduler,
      routerConfig: routing.routerConfig,
      rollouts,
      experiments: { service: experiments.service, exposures: experiments.exposures },
      metrics: analysis.registry,
      router: routing.router,
      services: services.versions,
      bootstrap: tokens.bootstrap,
      async listen() {
        const url = await app.fastify.listen({ port: config.port, host: config.host });
        listening = url;
        requestLog?.start();
        return url;
      },
      async close() {
        await stopSlices(slices, app);
        requestLog?.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** SQLite can report BUSY when another process holds the lock past the timeout; try again. */
async function migrateWithRetry(database: DatabaseHandle): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(database);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== 'SQLITE_BUSY' && code !== '40P01' && code !== '23505')) throw error;
    }
  }
}
