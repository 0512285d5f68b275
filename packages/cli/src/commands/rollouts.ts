/** `sluice rollout …`: start runs, watch them, steer them, and simulate plans offline. */
import { MAX_TIME_SCALE, parsePlan, simulate } from '@sluice/core/rollouts';
import type { Release } from '@sluice/server';
import { loadManifests } from '@sluice/server/manifests';
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
    const runsOf = (environment?: string) =>
      client.request<{ items: RunView[]; environment?: string }>(
        'GET',
        `/api/v1/rollout-runs?${new URLSearchParams({ ...(environment ? { environment } : {}), rollout: ref, limit: '1' })}`,
      );
    const found = await runsOf(opts.env);
    if (found.items[0]) return found.items[0];
    const searched = found.environment ?? opts.env ?? 'the default environment';
    // say where the rollout does have runs, if anywhere
    const { items: envs } = await client.request<{ items: { metadata: { name: string } }[] }>(
      'GET',
      '/api/v1/environments?limit=1000',
    );
    const elsewhere: string[] = [];
    for (const e of envs.map((x) => x.metadata.name).filter((n) => n !== searched))
      if ((await runsOf(e)).items.length) elsewhere.push(e);
    const hint = elsewhere.length
      ? `; it has runs in ${elsewhere.join(', ')}: add --env ${elsewhere[0]}`
      : '';
    throw new CliError(
      'Not found',
      `no run "${ref}", and no runs of a rollout named "${ref}" in environment "${searched}"${hint}`,
    );
  };

  rollout
    .command('start')
    .description('start a run of a stored plan, or apply a plan file and start it')
    .argument('[name]', 'the Rollout resource')
    .option(
      '-f, --file <path>',
      'a plan file (plan JSON, a Rollout document or a Flagger Canary): applied, then started',
    )
    .option('--env <environment>')
    .option(
      '--version <version>',
      "the version to deliver: required for a Flagger Canary, replaces a plan's own",
    )
    .option(
      '--time-scale <n>',
      'live the plan N times faster (demos, rehearsals): every planned duration is divided by N',
    )
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (
        name: string | undefined,
        opts: { file?: string; env?: string; version?: string; timeScale?: string; output: string },
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
          // a plan, or a Flagger Canary (started with --version)
          const plans = applied.results.filter(
            (r: { kind: string }) => r.kind === 'Rollout' || r.kind === 'Canary',
          );
          if (plans.length !== 1)
            throw usageError(`${opts.file} holds ${plans.length} rollout plans; name one`);
          for (const w of plans[0].warnings ?? []) ctx.io.stderr(`warning: ${w}\n`);
          target = plans[0].name;
        }
        if (!target) throw usageError('name a rollout or pass -f PLAN');
        const run = await client.request(
          'POST',
          `/api/v1/rollouts/${encodeURIComponent(target)}/start${env(opts)}`,
          {
            ...(timeScale === undefined ? {} : { timeScale }),
            ...(opts.version === undefined ? {} : { version: opts.version }),
          },
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
    .option('--stage <stage>', 'with --weight: wait only until this stage has that much traffic')
    .option('--weight <percent>', "with --stage: the stage's weight to wait for")
    .action(
      async (ref: string, opts: { env?: string; timeout?: string; stage?: string; weight?: string }) => {
        if ((opts.stage === undefined) !== (opts.weight === undefined))
          throw usageError('--stage and --weight go together');
        const weight = opts.weight === undefined ? undefined : Number(opts.weight);
        if (weight !== undefined && !(weight >= 0 && weight <= 100))
          throw usageError(`--weight: "${opts.weight}" is not a percentage`);
        let run = await resolveRun(ref, opts);
        const deadline = opts.timeout ? Date.now() + Number(opts.timeout) * 1000 : Number.POSITIVE_INFINITY;
        let said = '';
        const reached = (r: RunView) =>
          weight !== undefined && (r.stages.find((s) => s.name === opts.stage)?.weight ?? 0) >= weight;
        if (opts.stage && !run.stages.some((s) => s.name === opts.stage))
          throw usageError(
            `run ${run.id} has no stage "${opts.stage}" (stages: ${run.stages.map((s) => s.name).join(', ')})`,
          );
        while (!TERMINAL.has(run.status)) {
          if (reached(run)) {
            ctx.io.stdout(`${run.id}: ${opts.stage} at ${weight}% or more\n`);
            return;
          }
          if (Date.now() > deadline)
            throw new CliError('Timed out', `run ${run.id} is still ${run.status} after ${opts.timeout}s`);
          // an inconclusive step says why: which metric lacks what
          const why = run.stages.flatMap((st) =>
            (st.checks ?? []).filter((c) => c.verdict === 'inconclusive').map((c) => c.reason),
          );
          const now = `${run.status}${run.waitingFor.length ? `: ${run.waitingFor.join('; ')}` : ''}${why.length ? ` (${why.join('; ')})` : ''}`;
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
      },
    );

  for (const verb of VERBS) {
    const cmd = rollout
      .command(verb)
      .argument('<run>', 'run id or rollout name')
      .option('--env <environment>');
    if (verb === 'approve' || verb === 'reject' || verb === 'retry') cmd.requiredOption('--stage <stage>');
    if (verb === 'promote') cmd.option('--stage <stage>');
    if (verb === 'reject') cmd.requiredOption('--reason <text>');
    if (verb === 'pause' || verb === 'abort') cmd.option('--reason <text>');
    if (verb === 'approve') {
      cmd.option('--comment <text>');
      cmd.option('--wait', 'wait until the stage asks for approval (or the run ends), then approve');
    }
    cmd
      .description(`${verb} a run`)
      .action(
        async (
          ref: string,
          opts: { env?: string; stage?: string; reason?: string; comment?: string; wait?: boolean },
        ) => {
          let run = await resolveRun(ref, opts);
          if (opts.wait) run = await untilApprovalAsked(run, opts.stage as string);
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

  /** Polls a run until `stage` waits for approval; a run that ends first is an error. */
  const untilApprovalAsked = async (start: RunView, stage: string): Promise<RunView> => {
    let run = start;
    for (;;) {
      const s = run.stages.find((x) => x.name === stage);
      if (!s) throw usageError(`run ${run.id} has no stage "${stage}"`);
      if (s.waitingFor?.startsWith('approval from')) return run;
      if (TERMINAL.has(run.status))
        throw new CliError('Nothing to approve', `run ${run.id} ended ${run.status} before ${stage} asked`);
      await new Promise((r) => setTimeout(r, 500));
      run = await ctx.client().request('GET', `/api/v1/rollout-runs/${encodeURIComponent(run.id)}`);
    }
  };

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
    .description(
      "a run's events, oldest first, each with who sent it and the transitions it caused (newest run of a rollout name)",
    )
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
