/**
 * Operations: `notifier status` (the outbox of each Notifier), `gitsource sync|status`,
 * `release list` (release history) and `report dora` (delivery figures over a period).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';

interface OutboxRow {
  key: string;
  event: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}
interface NotifierStatus {
  notifier: string;
  counts: { pending: number; delivered: number; dead: number };
  dead: OutboxRow[];
  recent: OutboxRow[];
}
interface SyncState {
  source: string;
  status: string;
  commit: string | null;
  attemptedCommit: string | null;
  problems: { file: string | null; line: number | null; reason: string }[];
  drift: string[];
  checkedAt: string | null;
}
interface Release {
  runId: string;
  environment: string;
  plan: string;
  version: string;
  services: string[];
  status: string;
  startedBy: string;
  approvedBy: string[];
  startedAt: string;
  endedAt: string | null;
  rollbackReason: string | null;
  commit: string | null;
}

const enc = encodeURIComponent;
const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '-');

function syncText(s: SyncState): string {
  const lines = [`${s.source}: ${s.status}, commit in force ${short(s.commit)}`];
  if (s.status === 'failed' && s.attemptedCommit && s.attemptedCommit !== s.commit)
    lines.push(`commit ${short(s.attemptedCommit)} applied nothing:`);
  for (const p of s.problems)
    lines.push(`  ${p.file ?? ''}${p.line ? `:${p.line}` : ''} ${p.reason}`.trimEnd());
  for (const d of s.drift) lines.push(`drift: ${d}`);
  if (s.checkedAt) lines.push(`checked ${age(s.checkedAt)} ago`);
  return `${lines.join('\n')}\n`;
}

export function registerOperationsCommands(program: Command, ctx: CommandContext): void {
  const notifier = program.command('notifier').description('where release notices go');
  notifier
    .command('status')
    .argument('[name]', 'one notifier; default all')
    .description('notices waiting, delivered and dead (with the last error) per notifier')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (name: string | undefined, opts: { output: string }) => {
      const format = parseFormat(opts.output);
      const names = name
        ? [name]
        : (
            (await ctx.client().request('GET', '/api/v1/notifiers')) as {
              items: { metadata: { name: string } }[];
            }
          ).items.map((n) => n.metadata.name);
      const statuses: NotifierStatus[] = [];
      for (const n of names)
        statuses.push(await ctx.client().request('GET', `/api/v1/notifiers/${enc(n)}/status`));
      ctx.io.stdout(
        render(statuses, format, () => {
          if (!statuses.length) return 'no notifiers\n';
          const table = formatTable(
            ['NOTIFIER', 'PENDING', 'DELIVERED', 'DEAD', 'LAST ERROR'],
            statuses.map((s) => [
              s.notifier,
              s.counts.pending,
              s.counts.delivered,
              s.counts.dead,
              s.dead[0]?.lastError ?? s.recent.find((r) => r.lastError)?.lastError ?? '',
            ]),
          );
          const dead = statuses.flatMap((s) =>
            s.dead.map(
              (d) =>
                `dead: ${s.notifier} ${d.event} ${d.key} after ${d.attempts} tries: ${d.lastError ?? ''}`,
            ),
          );
          return dead.length ? `${table}${dead.join('\n')}\n` : table;
        }),
      );
    });

  const git = program.command('gitsource').alias('gitsources').description('git repositories Sluice applies');
  git
    .command('sync')
    .argument('<name>')
    .description('fetch and apply the newest commit now (admin)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (name: string, opts: { output: string }) => {
      const format = parseFormat(opts.output, 'table');
      const source = (await ctx.client().request('GET', `/api/v1/gitsources/${enc(name)}`)) as {
        spec: { url: string; branch: string };
      };
      ctx.io.stderr(`syncing ${name} from ${source.spec.url} (${source.spec.branch})…\n`);
      const state = (await ctx.client().request('POST', `/api/v1/gitsources/${enc(name)}/sync`)) as SyncState;
      ctx.io.stdout(render(state, format, () => syncText(state)));
      if (state.status === 'failed')
        throw new CliError('Sync failed', `${name}: the newest commit applied nothing`);
    });
  git
    .command('status')
    .argument('<name>')
    .description('the commit in force, the newest tried and why it failed, drift')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (name: string, opts: { output: string }) => {
      const state = (await ctx
        .client()
        .request('GET', `/api/v1/gitsources/${enc(name)}/status`)) as SyncState;
      ctx.io.stdout(render(state, parseFormat(opts.output, 'table'), () => syncText(state)));
    });

  program
    .command('release')
    .alias('releases')
    .description('release history')
    .command('list')
    .description('every release with version, plan, start, end, outcome, who started and approved it')
    .option('--env <environment>')
    .option('--service <service>', 'a Service, or flag:<key>')
    .option('--since <period>', 'e.g. 30d, 12h')
    .option('--limit <n>', 'at most this many', '50')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (opts: { env?: string; service?: string; since?: string; limit: string; output: string }) => {
        const q = new URLSearchParams({ limit: opts.limit });
        if (opts.env) q.set('environment', opts.env);
        if (opts.service) q.set('service', opts.service);
        if (opts.since) q.set('since', opts.since);
        const { items } = (await ctx.client().request('GET', `/api/v1/releases?${q}`)) as {
          items: Release[];
        };
        ctx.io.stdout(
          render(items, parseFormat(opts.output), () =>
            items.length
              ? formatTable(
                  [
                    'RUN',
                    'ENV',
                    'PLAN',
                    'VERSION',
                    'OUTCOME',
                    'STARTED',
                    'BY',
                    'APPROVED BY',
                    'COMMIT',
                    'ROLLBACK REASON',
                  ],
                  items.map((r) => [
                    r.runId,
                    r.environment,
                    r.plan,
                    r.version,
                    r.status,
                    `${age(r.startedAt)} ago`,
                    r.startedBy,
                    r.approvedBy.join(', '),
                    short(r.commit),
                    r.rollbackReason ?? '',
                  ]),
                )
              : 'no releases\n',
          ),
        );
      },
    );

  program
    .command('report')
    .description('delivery reports')
    .command('dora')
    .description('deployment frequency, lead time for changes, change failure rate, time to restore')
    .option('--since <period>', 'the period: 30d, 12h, 2w', '30d')
    .option('--env <environment>')
    .option('--service <service>')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: { since: string; env?: string; service?: string; output: string }) => {
      const q = new URLSearchParams({ since: opts.since });
      if (opts.env) q.set('environment', opts.env);
      if (opts.service) q.set('service', opts.service);
      const r = await ctx.client().request('GET', `/api/v1/reports/dora?${q}`);
      const dur = (s: number | null) =>
        s === null
          ? '-'
          : s < 120
            ? `${s}s`
            : s < 7200
              ? `${Math.round(s / 60)}m`
              : `${Math.round(s / 360) / 10}h`;
      ctx.io.stdout(
        render(r, parseFormat(opts.output, 'table'), () =>
          [
            `DORA figures from ${r.since} to ${r.until}${opts.env ? ` in ${opts.env}` : ''}${opts.service ? ` for ${opts.service}` : ''}`,
            `deployment frequency  ${r.deploymentsPerDay}/day (${r.deployments} in ${r.days} days)`,
            `lead time for changes median ${dur(r.leadTimeSeconds.median)}, p90 ${dur(r.leadTimeSeconds.p90)} (${r.leadTimeSeconds.samples} releases)`,
            `change failure rate   ${r.changeFailureRate === null ? '-' : `${Math.round(r.changeFailureRate * 1000) / 10}%`} (${r.failures} failed)`,
            `time to restore       median ${dur(r.timeToRestoreSeconds.median)} (${r.timeToRestoreSeconds.samples} restored, ${r.timeToRestoreSeconds.unrestored} not yet)`,
            '',
          ].join('\n'),
        ),
      );
    });
}
