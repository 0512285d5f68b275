/** `sluice up`: the control plane, until SIGTERM/SIGINT, then a graceful stop. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromEnv, createServer } from '@sluice/server';
import { defaultDashboardDir } from '@sluice/server/dashboard';
import { FlagsFileLoader } from '@sluice/server/flags/file-source';
import type { Command } from 'commander';
import pino from 'pino';
import type { CommandContext } from '../context.js';

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
    .action(async (opts: { port?: string; host?: string; dataDir?: string; flagsFile?: string }) => {
      const config = configFromEnv(ctx.io.env, { port: opts.port, host: opts.host, dataDir: opts.dataDir });
      const logger = pino({ level: config.logLevel });
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
          await server.close();
          rmSync(urlFile, { force: true });
          logger.info('stopped');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        onStarted?.(stop);
      });
    });
}
