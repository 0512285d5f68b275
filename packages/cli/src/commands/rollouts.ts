/** `sluice rollout …`: start runs, watch them, steer them, and simulate plans offline. */
import { MAX_TIME_SCALE, parsePlan, simulate } from '@sluice/core/rollouts';
import { loadManifests, type Release } from '@sluice/server';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatTable, parseFormat, render } from '../output/format.js';
import { type RunView, renderRun } from '../output/run-view.js';

const SUCCESS = new Set(['succeeded']);
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);
interface HistoryItem {
  at: string;
  actor: string;
  event: { type: string; ok?: boolean; opId?: string };
  transitions: { stage: string | null; from: string; to: string }[];
}

const VERBS = ['approve', 'reject', 'pause', 'resume', 'abort', 'promote', 'retry'] as const;

export function registerRolloutCommands(program: Command, ctx: CommandContext): void {
  const rollout = program.command('rollout').description('start, watch and steer rollouts');
  const env = (opts: { env?: string }) => (opts.env ? `?environment=${encodeURIComponent(opts.env)}` : '');

  /** A run id, or the newest run of a rollout with that name. */
  const resolveRun = async (ref: string, opts: { env?: string }): Promise<RunView> => {
    const client = ctx.client();
    const direct = await client
      .request('GET', `/api/v1/rollout-runs/${encodeURIComponent(ref)}`)
      .catch((e) => {
        if (e.code === 'NOT_FOUND') return null;
        throw e;
      });
    if (direct) return direct;
    const sep = opts.env ? '&' : '?';
    const { items } = await client.request(
      'GET',
      `/api/v1/rollout-runs${env(opts)}${sep}rollout=${encodeURIComponent(ref)}&limit=1`,
    );
    if (!items.length)
      throw new CliError('Not found', `no run "${ref}" and no runs of a rollout named "${ref}"`);
    return items[0];
  };

  rollout
    .command('start')
    .description('start a run of a stored plan, or apply a plan file and start it')
    .argument('[name]', 'the Rollout resource')
    .option('-f, --file <path>', 'a plan file (plan JSON or a Rollout document): applied, then started')
    .option('--env <environment>')
    .option(
      '--time-scale <n>',
      'live the plan N times faster (demos, rehearsals): every planned duration is divided by N',
    )
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (
        name: string | undefined,
        opts: { file?: string; env?: string; timeScale?: string; output: string },
      ) => {
        const format = parseFormat(opts.output);
        const timeScale = opts.timeScale === undefined ? undefined : Number(opts.timeScale);
        if (
          timeScale !== undefined &&
          !(Number.isFinite(timeScale) && timeScale >= 1 && timeScale <= MAX_TIME_SCALE)
        )
          throw usageError(`--time-scale: "${opts.timeScale}" is not a number from 1 to ${MAX_TIME_SCALE}`);
        const client = ctx.client();
        let target = name;
        if (opts.file) {
          const loaded = loadManifests([opts.file]);
          const applied = await client.request('POST', `/api/v1/apply${env(opts)}`, {
            documents: loaded.documents,
            sources: loaded.sources,
          });
          const plans = applied.results.filter((r: { kind: string }) => r.kind === 'Rollout');
          if (plans.length !== 1)
            throw usageError(`${opts.file} holds ${plans.length} rollout plans; name one`);
          for (const w of plans[0].warnings ?? []) ctx.io.stderr(`warning: ${w}\n`);
          target = plans[0].name;
        }
        if (!target) throw usageError('name a rollout or pass -f PLAN');
        const run = await client.request(
          'POST',
          `/api/v1/rollouts/${encodeURIComponent(target)}/start${env(opts)}`,
          timeScale === undefined ? {} : { timeScale },
        );
        ctx.io.stdout(
          render(
            run,
            format,
            () =>
              `started run ${run.id} of ${run.rollout} in ${run.environment}${timeScale && timeScale > 1 ? ` (time-scaled ×${timeScale})` : ''}\n`,
          ),
        );
      },
    );

  rollout
    .command('status')
    .description('a run and its stages (--watch: a live view until it ends)')
    .argument('<run>', 'run id or rollout name (its newest run)')
    .option('--env <environment>')
    .option('-w, --watch', 'keep the view live until the run ends')
    .option('--interval <ms>', 'refresh interval when watching', '1000')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (ref: string, opts: { env?: string; watch?: boolean; interval: string; output: string }) => {
        const format = parseFormat(opts.output);
        let run = await resolveRun(ref, opts);
        if (!opts.watch) {
          ctx.io.stdout(render(run, format, () => renderRun(run, Date.now())));
          return;
        }
        let last = '';
        for (;;) {
          // a terminal redraws in place, so it can count down; a log gets a view per change
          const view = renderRun(run, ctx.io.isTty ? Date.now() : undefined);
          if (view !== last) {
            ctx.io.stdout(ctx.io.isTty ? `\x1b[2J\x1b[H${view}` : `${view}\n`);
            last = view;
          }
          if (TERMINAL.has(run.status)) break;
          await new Promise((r) => setTimeout(r, Number(opts.interval) || 1000));
          run = await ctx.client().request('GET', `/api/v1/rollout-runs/${encodeURIComponent(run.id)}`);
        }
        if (!SUCCESS.has(run.status))
          throw new CliError(
            'Rollout did not succeed',
            `${run.id} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
          );
      },
    );

  rollout
    .command('wait')
    .description('wait until a run ends; exit 1 unless it succeeded (for CI pipelines)')
    .argument('<run>', 'run id or rollout name')
    .option('--env <environment>')
    .option('--timeout <seconds>', 'give up after this long (exit 1)')
    .action(async (ref: string, opts: { env?: string; timeout?: string }) => {
      let run = await resolveRun(ref, opts);
      const deadline = opts.timeout ? Date.now() + Number(opts.timeout) * 1000 : Number.POSITIVE_INFINITY;
      let said = '';
      while (!TERMINAL.has(run.status)) {
        if (Date.now() > deadline)
          throw new CliError('Timed out', `run ${run.id} is still ${run.status} after ${opts.timeout}s`);
        const now = `${run.status}${run.waitingFor.length ? `: ${run.waitingFor.join('; ')}` : ''}`;
        if (now !== said) ctx.io.stderr(`${run.id}: ${now}\n`);
        said = now;
        await new Promise((r) => setTimeout(r, 1000));
        run = await ctx.client().request('GET', `/api/v1/rollout-runs/${encodeURIComponent(run.id)}`);
      }
      ctx.io.stdout(`${run.id} ${run.status}${run.reason ? `: ${run.reason}` : ''}\n`);
      if (!SUCCESS.has(run.status))
        throw new CliError(
          'Rollout did not succeed',
          `${run.id} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
        );
    });

  for (const verb of VERBS) {
    const cmd = rollout
      .command(verb)
      .argument('<run>', 'run id or rollout name')
      .option('--env <environment>');
    if (verb === 'approve' || verb === 'reject' || verb === 'retry') cmd.requiredOption('--stage <stage>');
    if (verb === 'promote') cmd.option('--stage <stage>');
    if (verb === 'reject') cmd.requiredOption('--reason <text>');
    if (verb === 'pause' || verb === 'abort') cmd.option('--reason <text>');
    if (verb === 'approve') cmd.option('--comment <text>');
    cmd
      .description(`${verb} a run`)
      .action(
        async (ref: string, opts: { env?: string; stage?: string; reason?: string; comment?: string }) => {
          const run = await resolveRun(ref, opts);
          const body: Record<string, string> = {};
          if (opts.stage) body.stage = opts.stage;
          if (opts.reason) body.reason = opts.reason;
          if (opts.comment) body.comment = opts.comment;
          const out = await ctx
            .client()
            .request('POST', `/api/v1/rollout-runs/${encodeURIComponent(run.id)}/${verb}`, body);
          ctx.io.stdout(
            `${verb}: ${out.run.id} is ${out.run.status}${out.notes.length ? ` (${out.notes.join('; ')})` : ''}\n`,
          );
        },
      );
  }

  rollout
    .command('releases')
    .description("a Service's releases: every run that delivered a version of it, newest first")
    .argument('<service>', 'the Service')
    .option('--env <environment>')
    .option('--limit <n>', 'releases to show', '20')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (service: string, opts: { env?: string; limit: string; output: string }) => {
      const format = parseFormat(opts.output);
      if (!/^\d+$/.test(opts.limit)) throw usageError(`--limit takes a whole number (got "${opts.limit}")`);
      const query = new URLSearchParams({
        limit: opts.limit,
        ...(opts.env ? { environment: opts.env } : {}),
      });
      const { items } = await ctx
        .client()
        .request<{ items: Release[] }>(
          'GET',
          `/api/v1/services/${encodeURIComponent(service)}/releases?${query}`,
        );
      ctx.io.stdout(
        render(items, format, () =>
          items.length
            ? formatTable(
                ['VERSION', 'STATUS', 'STARTED', 'BY', 'ENDED', 'RUN', 'STAGES'],
                items.map((r) => [
                  r.version,
                  r.status,
                  r.startedAt,
                  r.startedBy,
                  r.endedAt ?? '—',
                  r.runId,
                  r.stages.map((s) => `${s.name} ${s.status} ${s.weight}%`).join(', '),
                ]),
              )
            : `no releases of ${service} yet\n`,
        ),
      );
    });

  rollout
    .command('history')
    .argument('<run>', 'run id or rollout name')
    .option('--env <environment>')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (ref: string, opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const run = await resolveRun(ref, opts);
      const { items } = await ctx
        .client()
        .request<{ items: HistoryItem[] }>(
          'GET',
          `/api/v1/rollout-runs/${encodeURIComponent(run.id)}/history`,
        );
      ctx.io.stdout(
        render(items, format, () =>
          formatTable(
            ['TIME', 'ACTOR', 'EVENT', 'TRANSITIONS'],
            items.map((e) => [
              e.at,
              e.actor,
              e.event.type === 'command_result'
                ? `${e.event.ok ? 'ok' : 'FAILED'} ${(e.event.opId ?? '').split('/').slice(1).join('/')}`
                : e.event.type,
              e.transitions.map((t) => `${t.stage ?? 'run'}: ${t.from}→${t.to}`).join(', '),
            ]),
          ),
        ),
      );
    });

  rollout
    .command('explain')
    .description('why each step advanced, waited, paused or rolled back')
    .argument('<run>', 'run id or rollout name')
    .option('--env <environment>')
    .action(async (ref: string, opts: { env?: string }) => {
      const run = await resolveRun(ref, opts);
      const { lines } = await ctx
        .client()
        .request<{ lines: string[] }>('GET', `/api/v1/rollout-runs/${encodeURIComponent(run.id)}/explain`);
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });

  rollout
    .command('simulate')
    .description('run a plan against scripted metrics in virtual time and print the timeline (offline)')
    .requiredOption('-f, --file <path>', 'the plan (plan JSON or Rollout document)')
    .requiredOption('--scenario <path>', 'scripted metrics, approvals and failures (YAML or JSON)')
    .option('--start <iso-time>', 'virtual start time', '2026-01-05T09:00:00Z')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action((opts: { file: string; scenario: string; start: string; output: string }) => {
      const format = parseFormat(opts.output);
      const planDoc = loadManifests([opts.file]).documents[0] as Record<string, unknown>;
      const plan = parsePlan(planDoc.kind === 'Rollout' ? planDoc.spec : planDoc);
      const scenario = loadManifests([opts.scenario]).documents[0];
      const startAt = Date.parse(opts.start);
      if (Number.isNaN(startAt)) throw usageError(`--start "${opts.start}" is not a time`);
      const result = simulate(plan, scenario as never, { startAt });
      ctx.io.stdout(
        render(
          { status: result.status, waitingFor: result.waitingFor, timeline: result.timeline },
          format,
          () =>
            `${formatTable(
              ['ELAPSED', 'STAGE', 'FROM', 'TO', 'WEIGHTS', 'REASON'],
              result.timeline.map((t) => [
                t.elapsed,
                t.stage ?? 'run',
                t.from,
                t.to,
                Object.entries(t.weights)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' '),
                t.reason,
              ]),
            )}\nresult: ${result.status}${result.waitingFor.length ? ` (waiting for: ${result.waitingFor.join('; ')})` : ''}\n`,
        ),
      );
      if (!SUCCESS.has(result.status))
        throw new CliError('The simulated run did not succeed', `it ended ${result.status}`);
    });
}
