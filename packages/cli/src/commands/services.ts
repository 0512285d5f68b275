/** `sluice service ps`: what runs for each Service, where, and how it is doing. */
import type { ServiceVersion } from '@sluice/server';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatTable, parseFormat, render } from '../output/format.js';

export function registerServiceCommands(program: Command, ctx: CommandContext): void {
  const service = program.command('service').description("Services' running versions");
  service
    .command('ps')
    .description('the versions each Service runs now (its deploy provider asked), with where they answer')
    .argument('[name]', 'one Service (default: every Service of the environment)')
    .option('--env <environment>')
    .option('--version <version>', 'only this version')
    .option('--url', 'print only where each version answers, one URL a line (for scripts)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (
        name: string | undefined,
        opts: { env?: string; version?: string; url?: boolean; output: string },
      ) => {
        const format = parseFormat(opts.output);
        const query = new URLSearchParams({
          ...(opts.env ? { environment: opts.env } : {}),
          ...(name ? { service: name } : {}),
        });
        const { items: all } = await ctx
          .client()
          .request<{ items: ServiceVersion[] }>('GET', `/api/v1/service-versions?${query}`);
        const items = opts.version ? all.filter((v) => v.version === opts.version) : all;
        if (opts.url) {
          if (!items.length)
            throw new CliError(
              'Not found',
              `no running version${opts.version ? ` ${opts.version}` : ''} of ${name ?? 'any Service'}`,
            );
          return ctx.io.stdout(
            items
              .flatMap((v) => v.upstreams)
              .map((u) => `${u}\n`)
              .join(''),
          );
        }
        ctx.io.stdout(
          render(items, format, () =>
            items.length
              ? formatTable(
                  ['SERVICE', 'VERSION', 'STATE', 'URL', 'PID', 'DETAIL'],
                  items.map((v) => [
                    v.service,
                    v.version,
                    v.state,
                    v.upstreams.join(' '),
                    String(v.info.pid ?? ''),
                    v.detail ?? '',
                  ]),
                )
              : `nothing runs for ${name ?? 'any Service'}${opts.env ? ` in ${opts.env}` : ''}\n`,
          ),
        );
      },
    );
}
