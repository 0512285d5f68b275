/**
 * `sluice experiment list|get|start|stop|conclude|results KEY` and `sluice stats TEST --input
 * FILE|-`: clients of the experiments and stats routes. Results print as a table; `-o json`
 * for scripts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatTable, parseFormat, render } from '../output/format.js';

interface Comparison {
  arm: string;
  relativeLift: number | null;
  relativeCi: [number, number] | null;
  sequentialPValueAdjusted: number | null;
  chanceToBeatControl: number | null;
  cuped?: {
    treatmentMean: number | null;
    relativeLift: number | null;
    ci: [number, number] | null;
    varianceReduction: number | null;
    reason?: string;
  } | null;
}
interface Results {
  experiment: string;
  environment: string;
  status: string;
  daysRunning: number;
  durationDays: number;
  arms: { arm: string; share: number; users: number }[];
  srm: { mismatch: boolean; checked: boolean; pValue: number | null };
  sampleSize: { users: number; smallestArm: number; minimumPerArm: number; neededPerArm: number | null };
  metrics: {
    name: string;
    role: string;
    kind: string;
    lowerIsBetter: boolean;
    arms: { arm: string; n: number; value: number | null }[];
    comparisons: Comparison[];
  }[];
  verdict: { decision: string; arm?: string; reason: string };
}

interface ListedSpec {
  status: string;
  traffic_split: Record<string, number>;
  metrics: { primary: string };
  duration_days: number;
  min_sample_size: number;
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`;
const num = (x: number | null | undefined) =>
  x === null || x === undefined
    ? '—'
    : Math.abs(x) >= 1000 || x === Math.round(x)
      ? x.toLocaleString('en-US')
      : x.toPrecision(4);

/** The results as people read them: the verdict, the arms, then each metric per arm. */
export function resultsTable(r: Results): string {
  const head = [
    `experiment ${r.experiment} (${r.environment}): ${r.status}, day ${r.daysRunning.toFixed(1)} of ${r.durationDays}`,
    `users ${r.sampleSize.users.toLocaleString('en-US')}; smallest arm ${r.sampleSize.smallestArm.toLocaleString('en-US')} of ${r.sampleSize.minimumPerArm.toLocaleString('en-US')} (min_sample_size)${r.sampleSize.neededPerArm ? `, ~${r.sampleSize.neededPerArm.toLocaleString('en-US')} per arm for 80 % power` : ''}`,
    `sample ratio: ${r.srm.mismatch ? `MISMATCH (p = ${r.srm.pValue?.toExponential(2)}): results void` : r.srm.checked ? `ok (p = ${num(r.srm.pValue)})` : 'not checked yet'}`,
    `verdict: ${r.verdict.decision.toUpperCase().replace('_', ' ')}${r.verdict.arm ? ` ${r.verdict.arm}` : ''} — ${r.verdict.reason}`,
    '',
  ];
  const rows = r.metrics.flatMap((m) =>
    m.arms.flatMap((a) => {
      const c = m.comparisons.find((x) => x.arm === a.arm);
      const row = [
        `${m.name}${m.role === 'primary' ? ' *' : ''}`,
        a.arm,
        num(a.n),
        m.kind === 'conversion' ? pct(a.value) : num(a.value),
        c ? pct(c.relativeLift) : '',
        c?.relativeCi ? `${pct(c.relativeCi[0])} … ${pct(c.relativeCi[1])}` : '',
        c ? num(c.sequentialPValueAdjusted) : '',
        c ? pct(c.chanceToBeatControl) : '',
      ];
      return c?.cuped && c.cuped.treatmentMean !== null ? [row, cupedRow(m, a.arm, c.cuped)] : [row];
    }),
  );
  const table = formatTable(
    ['METRIC', 'ARM', 'N', 'VALUE', 'LIFT', '95% CI', 'P (ALWAYS-VALID, HOLM)', 'CHANCE TO BEAT'],
    rows,
  );
  const cuped = r.metrics.some((m) => m.comparisons.some((c) => c.cuped && c.cuped.treatmentMean !== null));
  const note = cuped
    ? '[CUPED] adjusted for the same metric before exposure: value is the adjusted mean, the interval (Δ) is of the absolute lift, fixed horizon; the verdict reads the unadjusted rows\n'
    : '';
  return `${head.join('\n')}\n${table}* primary metric\n${note}`;
}

/** The CUPED row under an arm's row: the adjusted mean, lift and interval, marked [CUPED]. */
function cupedRow(m: Results['metrics'][number], arm: string, c: NonNullable<Comparison['cuped']>): string[] {
  const value = (x: number | null) => (m.kind === 'conversion' ? pct(x) : num(x));
  const v = c.varianceReduction;
  const reduction = v === null ? '' : `, variance ${v >= 0 ? '−' : '+'}${pct(Math.abs(v))}`;
  return [
    '',
    `${arm} [CUPED${reduction}]`,
    '',
    value(c.treatmentMean),
    pct(c.relativeLift),
    c.ci ? `Δ ${value(c.ci[0])} … ${value(c.ci[1])}` : '',
    '',
    '',
  ];
}

export function registerExperimentCommands(program: Command, ctx: CommandContext): void {
  const exp = program
    .command('experiment')
    .alias('experiments')
    .description('A/B experiments: lifecycle and results');
  const env = (opts: { env?: string }) => (opts.env ? `?environment=${encodeURIComponent(opts.env)}` : '');
  const key = (k: string) => encodeURIComponent(k);

  exp
    .command('list')
    .option('--env <environment>')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const list = await ctx.client().request('GET', `/api/v1/experiments${env(opts)}`);
      ctx.io.stdout(
        render(list, format, () =>
          formatTable(
            ['KEY', 'STATUS', 'ARMS', 'PRIMARY', 'DAYS', 'MIN USERS/ARM'],
            list.items.map((r: { metadata: { name: string }; spec: ListedSpec }) => [
              r.metadata.name,
              r.spec.status,
              Object.entries(r.spec.traffic_split)
                .map(([a, s]) => `${a} ${s}%`)
                .join(', '),
              r.spec.metrics.primary,
              r.spec.duration_days,
              r.spec.min_sample_size,
            ]),
          ),
        ),
      );
    });

  exp
    .command('get')
    .argument('<key>')
    .option('--env <environment>')
    .option('-o, --output <format>', 'json or yaml', 'yaml')
    .action(async (k: string, opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output, 'yaml');
      const r = await ctx.client().request('GET', `/api/v1/experiments/${key(k)}${env(opts)}`);
      ctx.io.stdout(render(r, format === 'table' ? 'yaml' : format, () => ''));
    });

  for (const verb of ['start', 'stop', 'conclude'] as const) {
    const c = exp
      .command(verb)
      .argument('<key>')
      .option('--env <environment>')
      .option('-o, --output <format>', 'table, json or yaml', 'table');
    if (verb === 'conclude') c.option('--arm <arm>', 'the arm everyone gets from now on (default control)');
    c.description(
      {
        start: 'start (draft → active)',
        stop: 'stop: everyone gets control again',
        conclude: 'conclude with a winning arm',
      }[verb],
    ).action(async (k: string, opts: { env?: string; arm?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const body = opts.arm ? { arm: opts.arm } : {};
      const r = await ctx.client().request('POST', `/api/v1/experiments/${key(k)}/${verb}${env(opts)}`, body);
      ctx.io.stdout(
        render(
          r,
          format,
          () => `experiment ${k}: ${r.spec.status}${r.spec.winner ? ` (winner ${r.spec.winner})` : ''}\n`,
        ),
      );
    });
  }

  exp
    .command('results')
    .argument('<key>')
    .option('--env <environment>')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (k: string, opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const r = await ctx
        .client()
        .request<Results>('GET', `/api/v1/experiments/${key(k)}/results${env(opts)}`);
      ctx.io.stdout(render(r, format, () => resultsTable(r)));
    });

  program
    .command('stats')
    .description(
      'the statistics calculators: proportions, means, srm, bayes, sample-size, sequential, holm, cuped, …',
    )
    .argument('<test>')
    .requiredOption('--input <file>', 'the input JSON, or - for standard input')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (test: string, opts: { input: string; output: string }) => {
      const format = parseFormat(opts.output);
      const text = opts.input === '-' ? await (ctx.io.readStdin ?? readStdin)() : readFile(opts.input);
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw usageError(`--input: not JSON (${(error as Error).message})`);
      }
      const r = await ctx.client().request('POST', `/api/v1/stats/${encodeURIComponent(test)}`, input);
      ctx.io.stdout(
        render(r, format, () =>
          Object.entries(r as Record<string, unknown>)
            .map(
              ([name, value]) =>
                `${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
            )
            .join('\n')
            .concat('\n'),
        ),
      );
    });
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(
      `--input: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
