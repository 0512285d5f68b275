/**
 * Assembles the control plane: database, migrations, services, routes, HTTP. `listen` and
 * `close` give a graceful lifecycle: close stops accepting, lets in-flight requests finish,
 * then closes the database.
 */

import { join } from 'node:path';
import { createRouter, type Router } from '@sluice/router';
import type { FastifyBaseLogger } from 'fastify';
import { auditRoutes } from './audit/audit.routes.js';
import type { ServerConfig } from './config.js';
import { emergencyRoutes } from './emergency/emergency.routes.js';
import { EmergencyService } from './emergency/emergency.service.js';
import { seedEnvironments } from './environments/seed.js';
import { EvaluationInsight } from './flag-insight/evaluation-insight.js';
import { flagInsightRoutes } from './flag-insight/insight.routes.js';
import { countEvaluations } from './flag-insight/instrument.js';
import { FlagScheduler } from './flag-schedules/flag-scheduler.js';
import { flagScheduleRoutes } from './flag-schedules/schedules.routes.js';
import { FlagSetCache } from './flags/flag-sets.js';
import { flagRoutes } from './flags/flags.routes.js';
import { FlagsService } from './flags/flags.service.js';
import { buildApp, type SluiceApp } from './http/app.js';
import { openApiDocument } from './http/openapi.js';
import type { AnyRoute } from './http/route.js';
import { createKindRegistry } from './kinds.js';
import type { MetricRegistry } from './metrics/registry.js';
import { setupMetrics } from './metrics/setup.js';
import { mountOfrep } from './ofrep/ofrep.routes.js';
import { resourceRoutes } from './resources/resources.routes.js';
import { ResourceService } from './resources/resources.service.js';
import { type RolloutsSetup, setupRollouts } from './rollouts/setup.js';
import { RouterConfigService } from './routing/router-config.service.js';
import { routingRoutes } from './routing/routing.routes.js';
import { SecretResolver } from './secrets/secrets.js';
import { mountSeedApi } from './seed-api/seed-api.routes.js';
import { type DatabaseHandle, migrate, openDatabase } from './storage/index.js';
import { systemRoutes } from './system/system.routes.js';
import { type BootstrapResult, bootstrapAdminToken } from './tokens/bootstrap.js';
import { tokenRoutes } from './tokens/tokens.routes.js';
import { TokenService } from './tokens/tokens.service.js';

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
  rollouts: RolloutsSetup;
  /** Metric providers by metric name (`error_rate`, `bounce_rate`, …), for metric gates. */
  metrics: MetricRegistry;
  /** The embedded data-plane router, when `embeddedRouter` is on. */
  router: Router | null;
  bootstrap: BootstrapResult;
  /** Starts listening; resolves to the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateServerOptions {
  logger?: FastifyBaseLogger | boolean;
  now?: () => Date;
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
  try {
    await migrateWithRetry(database);
    const now = options.now ?? (() => new Date());
    const defaultEnvironment = () => config.defaultEnvironment;
    const log = options.logger && typeof options.logger === 'object' ? options.logger : undefined;
    const emergency = new EmergencyService(database.db, now);
    await emergency.start();
    const registry = createKindRegistry({ defaultEnvironment, emergency: (env) => emergency.status(env) });
    const resources = new ResourceService(database.db, registry, now);
    const flagSets = new FlagSetCache(
      database.db,
      emergency,
      (message, error) => log?.error({ err: error }, message),
      now,
    );
    await flagSets.start();
    resources.onChange((change) => {
      if (change.environment && (change.kind === 'Flag' || change.kind === 'Segment'))
        flagSets.invalidate(change.environment);
    });
    const flags = new FlagsService(database.db, flagSets, now);
    const insight = new EvaluationInsight({ db: database.db, now, log: (m, e) => log?.error({ err: e }, m) });
    countEvaluations(flags, insight);
    const schedules = new FlagScheduler({
      db: database.db,
      resources,
      now,
      onApplied: (s) => flagSets.invalidate(s.environment),
      log: (m, e) => log?.error({ err: e }, m),
    });
    const routerConfig = new RouterConfigService(database.db, now, (message, error) =>
      log?.error({ err: error }, message),
    );
    await routerConfig.start();
    const router = config.embeddedRouter ? await startEmbeddedRouter(config, routerConfig, log) : null;
    resources.onChange((change) => {
      if (change.kind === 'Route') void routerConfig.refresh();
    });
    const metricsSetup = setupMetrics({
      db: database.db,
      router,
      routers: () => routerConfig.routers(),
      defaultEnvironment,
      environmentExists: async (name) => {
        await resources.get(registry.get('Environment'), null, name);
      },
      now,
    });
    const rollouts = setupRollouts({
      db: database.db,
      resources,
      registry,
      emergency,
      defaultEnvironment,
      now,
      log: (level, message, fields) => log?.[level]({ ...fields, component: 'rollouts' }, message),
      services: {
        routerConfig,
        router,
        secrets: new SecretResolver(process.env, config.dataDir),
        dataDir: config.dataDir,
        metrics: metricsSetup.registry,
      },
    });
    await rollouts.runtime.resume();
    const tokens = new TokenService(database.db, now);
    const environmentKind = registry.get('Environment');
    await seedEnvironments(resources, environmentKind, config.defaultEnvironment);
    const bootstrap = await bootstrapAdminToken(tokens, {
      adminToken: config.adminToken,
      dataDir: config.dataDir,
    });

    const routes: AnyRoute[] = [];
    let app: SluiceApp | undefined;
    routes.push(
      ...systemRoutes({
        database,
        metrics: () => (app as SluiceApp).metrics,
        openapi: () => openApiDocument(routes, SLUICE_VERSION),
      }),
      ...resourceRoutes(resources, defaultEnvironment),
      ...auditRoutes(database.db),
      ...tokenRoutes(tokens),
      ...emergencyRoutes(emergency, async (name) => {
        await resources.get(registry.get('Environment'), null, name);
      }),
      ...flagRoutes(flags, defaultEnvironment),
      ...flagScheduleRoutes(schedules, defaultEnvironment),
      ...flagInsightRoutes(insight, resources, defaultEnvironment),
      ...routingRoutes(routerConfig, () => router?.status() ?? null),
      ...rollouts.routes,
      ...metricsSetup.routes,
    );
    app = buildApp({
      routes,
      tokens,
      logger: options.logger ?? false,
      decorateResponse: (reply, environment) => {
        const state = environment ? emergency.status(environment) : null;
        if (state) reply.header('sluice-emergency', `active; environment=${state.environment}`);
      },
    });
    const built = app;
    // OFREP and the seed API answer in their own error shapes, so they sit beside the route table
    const evaluation = {
      flagSets,
      tokens,
      emergency: (env: string) => emergency.status(env),
      defaultEnvironment,
      now,
      onEvaluated: (env: string, flag: string, variant: string | undefined) => {
        if (variant !== undefined) insight.recordEvaluation(env, flag, variant);
      },
    };
    mountOfrep(built.fastify, { ...evaluation, requestMetrics: built.metrics });
    mountSeedApi(built.fastify, { ...evaluation, resources });
    insight.registerMetrics(built.metrics);
    insight.start();
    await schedules.start();
    return {
      config,
      app: built,
      database,
      resources,
      tokens,
      emergency,
      flagSets,
      flags,
      insight,
      schedules,
      routerConfig,
      rollouts,
      metrics: metricsSetup.registry,
      router,
      bootstrap,
      async listen() {
        return built.fastify.listen({ port: config.port, host: config.host });
      },
      async close() {
        routerConfig.stop();
        await built.fastify.close();
        await rollouts.close();
        await schedules.stop();
        await insight.stop();
        await router?.close();
        flagSets.stop();
        emergency.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The data plane in this process: applies every snapshot the control plane publishes, and
 * keeps serving its last one (saved under the data directory) whatever happens to the rest.
 */
async function startEmbeddedRouter(
  config: ServerConfig,
  routerConfig: RouterConfigService,
  log: FastifyBaseLogger | undefined,
): Promise<Router> {
  const router = await createRouter({
    listen: { port: config.routerPort, host: config.host },
    adminListen: { port: config.routerAdminPort, host: config.host },
    stateDir: join(config.dataDir, 'router'),
    log: (level, message, fields) =>
      log?.[level === 'debug' ? 'debug' : level]({ ...fields, component: 'router' }, message),
  });
  const apply = (snapshot: unknown) =>
    router
      .applyConfig(snapshot)
      .catch((error: unknown) => log?.error({ err: error }, 'the embedded router refused a snapshot'));
  routerConfig.onSnapshot((snapshot) => void apply(snapshot));
  await apply(await routerConfig.snapshot());
  return router;
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
