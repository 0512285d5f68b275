/** segment: named targeting rules the flags of an environment share. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';
import { envOpt, jsonOption, key, listAll, outOpt, q, specFromFile, writeSpec } from './flag-support.js';

export function registerSegmentCommands(program: Command, ctx: CommandContext): void {
  const segment = program.command('segment').description('named targeting rules flags share');
  outOpt(envOpt(segment.command('list'))).action(async (opts: { env?: string; output: string }) => {
    const format = parseFormat(opts.output);
    const items = await listAll<{ description: string; rule: unknown }>(ctx.client(), 'segments', opts.env);
    ctx.io.stdout(
      render(items, format, () =>
        formatTable(
          ['NAME', 'DESCRIPTION', 'RULE', 'VERSION', 'UPDATED'],
          items.map((s) => [
            s.metadata.name,
            s.spec.description,
            JSON.stringify(s.spec.rule).slice(0, 60),
            s.metadata.version,
            age(s.metadata.updatedAt),
          ]),
        ),
      ),
    );
  });
  outOpt(envOpt(segment.command('get').argument('<name>')), 'yaml').action(
    async (name: string, opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const one = await ctx.client().request('GET', `/api/v1/segments/${key(name)}${q(opts.env)}`);
      ctx.io.stdout(render(one, format === 'table' ? 'yaml' : format, () => ''));
    },
  );
  envOpt(segment.command('set').argument('<name>').description('create or change a segment'))
    .option('--rule <json>', 'JsonLogic rule as JSON')
    .option('--description <text>')
    .option('-f, --file <path>', 'spec from a file (Segment document, flagd $evaluators, or bare spec)')
    .action(
      async (name: string, opts: { env?: string; rule?: string; description?: string; file?: string }) => {
        const rule = jsonOption('--rule', opts.rule);
        const fromFile = opts.file ? specFromFile(opts.file, 'Segment', name) : {};
        await writeSpec(ctx, 'segments', name, opts.env, (spec) => {
          const next = {
            ...(spec ?? {}),
            ...fromFile,
            ...(rule !== undefined ? { rule } : {}),
            ...(opts.description !== undefined ? { description: opts.description } : {}),
          };
          if (next.rule === undefined)
            throw new CliError('Bad usage', 'a new segment needs --rule or -f', [], 2);
          return next;
        });
      },
    );
  envOpt(segment.command('delete').argument('<name>')).action(
    async (name: string, opts: { env?: string }) => {
      const deleted = await ctx.client().request('DELETE', `/api/v1/segments/${key(name)}${q(opts.env)}`);
      ctx.io.stdout(`deleted Segment/${deleted.metadata.name} (was version ${deleted.metadata.version})\n`);
    },
  );
}
