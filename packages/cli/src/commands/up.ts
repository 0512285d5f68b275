/** `sluice up`: the control plane, until SIGTERM/SIGINT, then a graceful stop. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

interface UpOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  flagsFile?: string;
  keepServices?: boolean;
  stopServices?: boolean;
  routerWorkers?: string;
}

export function registerUpCommand(
  program: Command,
  ctx: CommandContext,
  onStarted?: (stop: () => Promise<void>) => void,
): void {
  program
    .command('up')
    .description('start the control plane (API, orchestrator, embedded router)')
    .option('--port <port>', 'API port (SLUICE_PORT, default 4200)')
    .option('--host <host>', 'address to listen on (SLUICE_HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'embedded database and state (SLUICE_DATA_DIR, default ./.sluice)')
    .option(
      '--flags-file <path>',
      'flagd flags file (JSON or YAML) loaded into the default environment, reloaded on change',
    )
    .option(
      '--router-workers <n>',
      'worker processes of the embedded router, 1–64 (SLUICE_ROUTER_WORKERS, default 1)',
    )
    .option('--keep-services', 'on SQLite: leave the service versions Sluice started running when it stops')
    .option('--stop-services', 'on PostgreSQL: stop the service versions Sluice started here when it stops')
    .action(async (opts: UpOptions) => {
      // the server is loaded only here: every other command starts without it
      const { configFromEnv, createServer } = await import('@sluice/server');
      const { FlagsFileLoader } = await import('@sluice/server/flags/file-source');
      const { defaultDashboardDir } = await import('@sluice/server/dashboard');
      const { createUpLogger } = await import('./logger.js');
      const { servicesOnExit, settleVersions } = await import('./up-services.js');
      const config = configFromEnv(ctx.io.env, {
        port: opts.port,
        host: opts.host,
        dataDir: opts.dataDir,
        routerWorkers: opts.routerWorkers,
      });
      const logger = createUpLogger(config, ctx.io.isTty);
      // the web UI at `/`, when packages/dashboard is built (npm start builds it)
      const server = await createServer(config, { logger, dashboardDir: defaultDashboardDir() });
      const flagsFile = opts.flagsFile
        ? new FlagsFileLoader({
            path: resolve(ctx.io.cwd, opts.flagsFile),
            environment: config.defaultEnvironment,
            db: server.database.db,
            resources: server.resources,
            onCommitted: (env) => server.flagSets.invalidate(env),
            log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
          })
        : null;
      await flagsFile?.start(); // a bad file is logged and retried on its next change
      const url = await server.listen();
      // the CLI in this folder finds the server here, whichever port it took
      const urlFile = resolve(ctx.io.cwd, config.dataDir, 'url');
      mkdirSync(resolve(ctx.io.cwd, config.dataDir), { recursive: true });
      writeFileSync(urlFile, `${url}\n`);
      logger.info({ url, database: server.database.location }, 'sluice is up');
      ctx.io.stdout(`Sluice ${url} (database: ${server.database.location})\n`);
      const proxy = server.router?.status();
      if (proxy?.listen) {
        ctx.io.stdout(
          `Router http://${proxy.listen.host}:${proxy.listen.port} (admin http://${proxy.admin?.host}:${proxy.admin?.port})\n`,
        );
      }
      const onExit = servicesOnExit(server.database.dialect, opts);
      ctx.io.stdout(`${onExit.promise}\n`);
      if (server.bootstrap.generated) {
        ctx.io.stdout(
          `\nAdmin token (shown once; also saved to ${server.bootstrap.file} for the CLI on this machine):\n  ${server.bootstrap.generated}\n\n`,
        );
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = async () => {
          if (stopping) return;
          stopping = true;
          logger.info('shutting down: finishing in-flight requests');
          await flagsFile?.close();
          const local = await server.services.local().catch((error: unknown) => {
            logger.error({ err: error }, 'could not list the Services whose versions run here');
            return [];
          });
          await server.close();
          rmSync(urlFile, { force: true });
          for (const line of await settleVersions(server.services, local, onExit.stop))
            ctx.io.stdout(`${line}\n`);
          logger.info('stopped');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        onStarted?.(stop);
      });
    });
}
