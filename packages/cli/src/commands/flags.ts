/** flag: the flags of an environment, kill switches, evaluation, stale flags, scheduled changes. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';
import {
  envOpt,
  jsonObject,
  jsonOption,
  key,
  listAll,
  outOpt,
  q,
  specFromFile,
  writeSpec,
} from './flag-support.js';
import { registerSegmentCommands } from './segments.js';

interface FlagSpec {
  state: string;
  defaultVariant?: string | null;
  variants: Record<string, unknown>;
}
interface FlagUsage {
  flag: string;
  lastEvaluatedAt: string | null;
}
interface StaleRow {
  flag: string;
  reason: string;
  variant: string | null;
  evaluations: number;
  lastEvaluatedAt: string | null;
}
interface ScheduleRow {
  id: string;
  flag: string;
  at: string;
  status: string;
  set: unknown;
  reason: string | null;
}

export function registerFlagCommands(program: Command, ctx: CommandContext): void {
  const flag = program.command('flag').description('feature flags: list, change, kill, evaluate, schedule');

  outOpt(envOpt(flag.command('list').description('flags of an environment'))).action(
    async (opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const client = ctx.client();
      const items = await listAll<FlagSpec>(client, 'flags', opts.env);
      const kills = new Set(
        ((await client.request('GET', `/api/v1/kills${q(opts.env)}`)).items as { flag: string }[]).map(
          (k) => k.flag,
        ),
      );
      const usage =
        format === 'table'
          ? ((await client.request('GET', `/api/v1/flag-evaluations${q(opts.env)}`)).items as FlagUsage[])
          : [];
      const lastEvaluated = new Map(usage.map((u) => [u.flag, u.lastEvaluatedAt]));
      ctx.io.stdout(
        render(items, format, () =>
          formatTable(
            ['NAME', 'STATE', 'DEFAULT', 'VARIANTS', 'KILLED', 'VERSION', 'UPDATED', 'BY', 'EVALUATED'],
            items.map((f) => [
              f.metadata.name,
              f.spec.state,
              f.spec.defaultVariant ?? '',
              Object.keys(f.spec.variants).join(','),
              kills.has(f.metadata.name) ? 'yes' : '',
              f.metadata.version,
              age(f.metadata.updatedAt),
              f.metadata.updatedBy,
              lastEvaluated.has(f.metadata.name)
                ? `${age(lastEvaluated.get(f.metadata.name) as string)} ago`
                : 'never',
            ]),
          ),
        ),
      );
    },
  );

  outOpt(
    envOpt(flag.command('get').argument('<key>').description('one flag (YAML unless -o json)')),
    'yaml',
  ).action(async (name: string, opts: { env?: string; output: string }) => {
    const format = parseFormat(opts.output);
    const one = await ctx.client().request('GET', `/api/v1/flags/${key(name)}${q(opts.env)}`);
    ctx.io.stdout(render(one, format === 'table' ? 'yaml' : format, () => ''));
  });

  envOpt(
    flag
      .command('set')
      .argument('<key>')
      .description(
        'create or change a flag: reads it, merges the options, writes it if nobody changed it meanwhile',
      ),
  )
    .option(
      '-f, --file <path>',
      'spec from a file (Flag document, flagd file, or bare spec), merged over the current one',
    )
    .option('--state <state>', 'ENABLED or DISABLED')
    .option('--default-variant <variant>')
    .option('--variants <json>', 'variants as JSON, e.g. \'{"on":true,"off":false}\'')
    .option('--targeting <json>', 'JsonLogic targeting as JSON')
    .action(
      async (
        name: string,
        opts: {
          env?: string;
          file?: string;
          state?: string;
          defaultVariant?: string;
          variants?: string;
          targeting?: string;
        },
      ) => {
        if (opts.state !== undefined && opts.state !== 'ENABLED' && opts.state !== 'DISABLED')
          throw usageError('--state must be ENABLED or DISABLED');
        const variants = jsonObject('--variants', opts.variants);
        const targeting = jsonOption('--targeting', opts.targeting);
        const fromFile = opts.file ? specFromFile(opts.file, 'Flag', name) : {};
        await writeSpec(ctx, 'flags', name, opts.env, (spec) => ({
          state: 'ENABLED',
          ...(spec ?? {}),
          ...fromFile,
          ...(opts.state ? { state: opts.state } : {}),
          ...(opts.defaultVariant ? { defaultVariant: opts.defaultVariant } : {}),
          ...(variants ? { variants } : {}),
          ...(targeting !== undefined ? { targeting } : {}),
        }));
      },
    );

  for (const verb of ['kill', 'unkill'] as const) {
    envOpt(flag.command(verb).argument('<key>'))
      .description(
        verb === 'kill' ? 'serve the safe variant (or DISABLED) until unkilled' : 'lift a kill switch',
      )
      .requiredOption('--reason <text>', 'why (recorded in the audit log)')
      .action(async (name: string, opts: { env?: string; reason: string }) => {
        const k = await ctx
          .client()
          .request('POST', `/api/v1/flags/${key(name)}/${verb}${q(opts.env)}`, { reason: opts.reason });
        ctx.io.stdout(`${verb === 'kill' ? 'killed' : 'unkilled'} flag ${name} in ${k.environment}\n`);
      });
  }

  outOpt(
    envOpt(
      flag.command('eval').argument('<key>').description('evaluate a flag for a context, as an SDK would'),
    ),
  )
    .option('--context <json>', 'evaluation context as JSON', '{}')
    .option('--type <type>', 'boolean, string, number or object (default: the type of the variants)')
    .action(async (name: string, opts: { env?: string; output: string; context: string; type?: string }) => {
      const format = parseFormat(opts.output);
      const context = jsonObject('--context', opts.context);
      const r = await ctx.client().request('POST', `/api/v1/flags/${key(name)}/evaluate${q(opts.env)}`, {
        context,
        ...(opts.type ? { type: opts.type } : {}),
      });
      ctx.io.stdout(
        render(r, format, () =>
          formatTable(
            ['VALUE', 'VARIANT', 'REASON', 'ERROR'],
            [
              [
                // an SDK would serve its own default here; there is no value to show
                r.errorCode ? '—' : JSON.stringify(r.value),
                r.variant,
                r.reason,
                r.errorCode ? `${r.errorCode}: ${r.errorMessage ?? ''}` : '',
              ],
            ],
          ),
        ),
      );
      if (r.errorCode) {
        const where = opts.env ? ` (environment ${opts.env})` : '';
        throw new CliError(
          'The evaluation failed',
          r.errorCode === 'FLAG_NOT_FOUND'
            ? `there is no flag "${name}"${where}; \`sluice flag list\` shows the flags there are`
            : `${r.errorCode}: ${r.errorMessage ?? 'no detail'}`,
          [],
          1,
          r.errorCode,
        );
      }
    });

  outOpt(envOpt(flag.command('stale').description('flags not evaluated, or serving one variant, for N days')))
    .option('--days <n>', 'days', '30')
    .action(async (opts: { env?: string; output: string; days: string }) => {
      const format = parseFormat(opts.output);
      if (!/^\d+$/.test(opts.days)) throw usageError('--days takes a whole number');
      const r = await ctx.client().request('GET', `/api/v1/flags-stale${q(opts.env, { days: opts.days })}`);
      ctx.io.stdout(
        render(r.items, format, () =>
          r.items.length
            ? formatTable(
                ['FLAG', 'REASON', 'VARIANT', 'EVALUATIONS', 'LAST EVALUATED'],
                (r.items as StaleRow[]).map((s) => [
                  s.flag,
                  s.reason,
                  s.variant ?? '',
                  s.evaluations,
                  s.lastEvaluatedAt ?? 'never',
                ]),
              )
            : `no stale flags in ${r.environment} over ${r.days} days\n`,
        ),
      );
    });

  registerScheduleCommands(flag, ctx);
  registerSegmentCommands(program, ctx);
}

function registerScheduleCommands(flag: Command, ctx: CommandContext): void {
  outOpt(
    envOpt(flag.command('schedule').argument('<key>').description('schedule a change to a flag at a time')),
  )
    .requiredOption('--at <iso-time>', 'when, e.g. 2027-01-01T09:00:00Z')
    .option('--state <state>', 'ENABLED or DISABLED')
    .option('--default-variant <variant>')
    .option('--targeting <json>', 'new targeting as JSON (null removes it)')
    .option('--weights <json>', 'new weights of the first fractional operation, e.g. \'{"on":25,"off":75}\'')
    .action(
      async (
        name: string,
        opts: {
          env?: string;
          output: string;
          at: string;
          state?: string;
          defaultVariant?: string;
          targeting?: string;
          weights?: string;
        },
      ) => {
        const format = parseFormat(opts.output);
        const set = {
          ...(opts.state ? { state: opts.state } : {}),
          ...(opts.defaultVariant ? { defaultVariant: opts.defaultVariant } : {}),
          ...(opts.targeting !== undefined ? { targeting: jsonOption('--targeting', opts.targeting) } : {}),
          ...(opts.weights !== undefined ? { fractionalWeights: jsonObject('--weights', opts.weights) } : {}),
        };
        if (!Object.keys(set).length)
          throw usageError('give at least one of --state, --default-variant, --targeting, --weights');
        const s = await ctx
          .client()
          .request('POST', `/api/v1/flags/${key(name)}/schedules${q(opts.env)}`, { at: opts.at, set });
        ctx.io.stdout(render(s, format, () => `scheduled ${s.id}: ${name} in ${s.environment} at ${s.at}\n`));
      },
    );

  outOpt(envOpt(flag.command('schedules').description('scheduled flag changes')))
    .option('--status <status>', 'pending, applied, failed or cancelled')
    .option('--flag <key>')
    .action(async (opts: { env?: string; output: string; status?: string; flag?: string }) => {
      const format = parseFormat(opts.output);
      const { items } = await ctx
        .client()
        .request('GET', `/api/v1/flag-schedules${q(opts.env, { status: opts.status, flag: opts.flag })}`);
      ctx.io.stdout(
        render(items, format, () =>
          formatTable(
            ['ID', 'FLAG', 'AT', 'STATUS', 'CHANGE', 'REASON'],
            (items as ScheduleRow[]).map((s) => [
              s.id,
              s.flag,
              s.at,
              s.status,
              JSON.stringify(s.set),
              s.reason ?? '',
            ]),
          ),
        ),
      );
    });

  envOpt(flag.command('unschedule').argument('<id>').description('cancel a pending scheduled change')).action(
    async (id: string, opts: { env?: string }) => {
      const s = await ctx.client().request('POST', `/api/v1/flag-schedules/${key(id)}/cancel${q(opts.env)}`);
      ctx.io.stdout(`cancelled ${s.id} (${s.flag} at ${s.at})\n`);
    },
  );
}
