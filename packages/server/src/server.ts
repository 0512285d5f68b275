/**
 * Assembles the control plane: database, migrations, services, routes, HTTP. `listen` and
 * `close` give a graceful lifecycle: close stops accepting, lets in-flight requests finish,
 * then closes the database.
 */
import type { FastifyBaseLogger } from 'fastify';
import { auditRoutes } from './audit/audit.routes.js';
import type { ServerConfig } from './config.js';
import { emergencyRoutes } from './emergency/emergency.routes.js';
import { EmergencyService } from './emergency/emergency.service.js';
import { seedEnvironments } from './environments/seed.js';
import { FlagSetCache } from './flags/flag-sets.js';
import { flagRoutes } from './flags/flags.routes.js';
import { FlagsService } from './flags/flags.service.js';
import { buildApp, type SluiceApp } from './http/app.js';
import { openApiDocument } from './http/openapi.js';
import type { AnyRoute } from './http/route.js';
import { createKindRegistry } from './kinds.js';
import { resourceRoutes } from './resources/resources.routes.js';
import { ResourceService } from './resources/resources.service.js';
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
    return {
      config,
      app: built,
      database,
      resources,
      tokens,
      emergency,
      flagSets,
      flags,
      bootstrap,
      async listen() {
        return built.fastify.listen({ port: config.port, host: config.host });
      },
      async close() {
        await built.fastify.close();
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
