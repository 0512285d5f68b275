/** emergency: stop an environment (flags serve safe variants, rollouts roll back), clear it, see it. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';

interface EmergencyRow {
  environment: string;
  reason: string | null;
  startedBy: string | null;
  startedAt: string | null;
}

export function registerEmergencyCommands(program: Command, ctx: CommandContext): void {
  const emergency = program.command('emergency').description('emergency mode of an environment');
  emergency
    .command('stop')
    .description('every flag serves its safe variant, rollouts roll back and none start, until cleared')
    .requiredOption('--env <environment>', 'the environment to stop')
    .requiredOption('--reason <text>', 'why (shown to everyone affected and audited)')
    .action(async (opts: { env: string; reason: string }) => {
      const s = await ctx
        .client()
        .request('POST', `/api/v1/environments/${encodeURIComponent(opts.env)}/emergency-stop`, {
          reason: opts.reason,
        });
      ctx.io.stdout(`emergency mode in ${s.environment}: ${s.reason}\n`);
    });
  emergency
    .command('clear')
    .description('leave emergency mode (admin)')
    .requiredOption('--env <environment>')
    .action(async (opts: { env: string }) => {
      const s = await ctx
        .client()
        .request('POST', `/api/v1/environments/${encodeURIComponent(opts.env)}/emergency-clear`);
      ctx.io.stdout(`emergency mode cleared in ${s.environment}\n`);
    });
  emergency
    .command('status')
    .description('environments in emergency mode')
    .option('--env <environment>', 'only this environment')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const { items } = (await ctx.client().request('GET', '/api/v1/emergency')) as { items: EmergencyRow[] };
      const shown = opts.env ? items.filter((s) => s.environment === opts.env) : items;
      ctx.io.stdout(
        render(shown, format, () =>
          shown.length
            ? formatTable(
                ['ENVIRONMENT', 'REASON', 'BY', 'SINCE'],
                shown.map((s) => [s.environment, s.reason, s.startedBy, s.startedAt ? age(s.startedAt) : '']),
              )
            : `no environment${opts.env ? ` named ${opts.env}` : ''} is in emergency mode\n`,
        ),
      );
    });
}
