/** validate, apply, diff, get, delete: the commands that deal in resource documents. */
import { canonicalJson } from '@sluice/core';
import type { ApplyResult, StoredResource, TokenView } from '@sluice/server';
import { loadManifests } from '@sluice/server/manifests';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { ApiClient } from '../client/api.js';
import type { CommandContext } from '../context.js';
import { CliError, toCliError, usageError } from '../errors.js';
import { lineDiff } from '../output/diff.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';
import { checkFlagSets } from './flag-set-check.js';

/** The server's kinds, for offline checks; loaded only by the commands that need them (a fast start for the rest). */
const offline = async () => {
  const server = await import('@sluice/server');
  return {
    registry: server.createKindRegistry({ defaultEnvironment: () => 'development' }),
    normalizeDocuments: server.normalizeDocuments,
  };
};

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A kind by kind name, plural or alias, as the server knows them; bad usage when unknown. */
async function findKind(client: ApiClient, name: string) {
  const { items } = await client.request<{ items: { kind: string; plural: string; aliases: string[] }[] }>(
    'GET',
    '/api/v1/kinds',
  );
  const kind = items.find((k) =>
    [k.kind, k.plural, ...k.aliases].some((n) => n.toLowerCase() === name.toLowerCase()),
  );
  if (!kind) throw usageError(`unknown kind "${name}"; known kinds: ${items.map((k) => k.kind).join(', ')}`);
  return kind;
}

/** Problems name `documents[3]…`; show the file and document they came from instead. */
async function withSources<T>(sources: string[], work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const e = toCliError(error);
    const fields = e.fields.map((f) => ({
      path: f.path.replace(/^documents\[(\d+)\](\[\d+\])?\.?/, (m, i: string, sub: string | undefined) => {
        const source = sources[Number(i)];
        return source ? `${source}${sub ?? ''}: ` : m;
      }),
      message: f.message,
    }));
    throw new CliError(
      e.title,
      e.fields.length ? `${e.fields.length} problem(s) in the documents` : e.detail,
      fields,
      e.exitCode,
      e.code,
    );
  }
}

export function registerResourceCommands(program: Command, ctx: CommandContext): void {
  program
    .command('validate')
    .description('check manifest files offline, with the same schemas the server uses')
    .requiredOption('-f, --file <path>', 'file or directory (repeatable)', collect)
    .option('--env <environment>', 'environment for documents that name none', 'development')
    .option('--strict', 'refuse what a flagd file would load with a warning (for CI)')
    .action(async (opts: { file: string[]; env: string; strict?: boolean }) => {
      const loaded = loadManifests(opts.file);
      const { registry, normalizeDocuments } = await offline();
      const resources = await withSources(loaded.sources, () =>
        normalizeDocuments(registry, loaded.documents, {
          defaultEnvironment: opts.env,
          sources: loaded.sources,
        }),
      );
      const { errors, warnings } = checkFlagSets(resources, Boolean(opts.strict));
      if (errors.length > 0)
        await withSources(loaded.sources, () => {
          throw new CliError('Validation failed', `${errors.length} problem(s) in the flags`, errors);
        });
      for (const r of resources)
        ctx.io.stdout(
          `ok  ${r.kind.kind}/${r.name}${r.environment ? ` (${r.environment})` : ''}  ${r.source}\n`,
        );
      for (const w of warnings) ctx.io.stdout(`warning  ${w.path}: ${w.message}\n`);
      ctx.io.stdout(
        `${resources.length} resource(s) valid${warnings.length ? `, ${warnings.length} warning(s) (loaded as flagd loads them; --strict refuses them)` : ''}\n`,
      );
    });

  program
    .command('apply')
    .description('create or update every resource in the files, all or nothing')
    .requiredOption('-f, --file <path>', 'file or directory (repeatable)', collect)
    .option('--env <environment>', 'environment for documents that name none')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--confirm', "do changes that need confirming (a running experiment's split)")
    .option('--strict', 'refuse what a flagd file would load with a warning')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (opts: {
        file: string[];
        env?: string;
        dryRun?: boolean;
        confirm?: boolean;
        strict?: boolean;
        output: string;
      }) => {
        const format = parseFormat(opts.output);
        const loaded = loadManifests(opts.file);
        const params = new URLSearchParams();
        if (opts.env) params.set('environment', opts.env);
        if (opts.confirm) params.set('confirm', 'true');
        if (opts.strict) params.set('strict', 'true');
        const query = params.size ? `?${params}` : '';
        const result = await withSources(loaded.sources, () =>
          ctx.client().request<ApplyResult>('POST', `/api/v1/apply${query}`, {
            documents: loaded.documents,
            sources: loaded.sources,
            dryRun: Boolean(opts.dryRun),
          }),
        );
        ctx.io.stdout(
          render(result, format, () => {
            const rows = result.results.map((r) => [
              `${r.kind}/${r.name}`,
              r.environment ?? '',
              r.action,
              r.version,
              r.source,
            ]);
            const changed = result.results.filter((r) => r.action !== 'unchanged').length;
            const warnings = result.results.flatMap((r) =>
              (r.warnings ?? []).map((w) => `warning  ${r.kind}/${r.name}: ${w}\n`),
            );
            return `${formatTable(['RESOURCE', 'ENVIRONMENT', 'ACTION', 'VERSION', 'SOURCE'], rows)}${warnings.join('')}${result.dryRun ? 'dry run: nothing was written; ' : ''}${changed} changed, ${result.results.length - changed} unchanged\n`;
          }),
        );
      },
    );

  program
    .command('diff')
    .description('show how the files differ from what the server holds')
    .requiredOption('-f, --file <path>', 'file or directory (repeatable)', collect)
    .option('--env <environment>', 'environment for documents that name none', 'development')
    .action(async (opts: { file: string[]; env: string }) => {
      const loaded = loadManifests(opts.file);
      const { registry, normalizeDocuments } = await offline();
      const resources = await withSources(loaded.sources, () =>
        normalizeDocuments(registry, loaded.documents, {
          defaultEnvironment: opts.env,
          sources: loaded.sources,
        }),
      );
      const client = ctx.client();
      let changes = 0;
      for (const r of resources) {
        const query = r.environment ? `?environment=${encodeURIComponent(r.environment)}` : '';
        const current = await client
          .request('GET', `/api/v1/${r.kind.plural}/${encodeURIComponent(r.name)}${query}`)
          .catch((e) => {
            if (e.code === 'NOT_FOUND') return null;
            throw e;
          });
        const label = `${r.kind.kind}/${r.name}${r.environment ? ` (${r.environment})` : ''}`;
        if (current && canonicalJson(current.spec) === canonicalJson(r.spec)) continue;
        changes++;
        ctx.io.stdout(
          `--- ${current ? `${label} v${current.metadata.version}` : '(absent)'}\n+++ ${label} from ${r.source}\n`,
        );
        ctx.io.stdout(lineDiff(current ? stringify(current.spec) : '', stringify(r.spec)));
      }
      ctx.io.stdout(changes ? `${changes} resource(s) would change\n` : 'no differences\n');
    });

  program
    .command('get')
    .description('list resources of a kind, or show one')
    .argument('<kind>', 'kind, plural or alias (env, environments, tokens, …)')
    .argument('[name]')
    .option('--env <environment>', 'environment (for kinds that live in one)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (kindName: string, name: string | undefined, opts: { env?: string; output: string }) => {
      const format = parseFormat(opts.output);
      const client = ctx.client();
      const kind = await findKind(client, kindName);
      const query = opts.env ? `?environment=${encodeURIComponent(opts.env)}` : '';
      if (name) {
        const one = await client.request('GET', `/api/v1/${kind.plural}/${encodeURIComponent(name)}${query}`);
        ctx.io.stdout(render(one, format === 'table' ? 'yaml' : format, () => ''));
        return;
      }
      const list = await client.request<{
        items: (StoredResource | (TokenView & { metadata?: undefined }))[];
      }>('GET', `/api/v1/${kind.plural}${query}`);
      ctx.io.stdout(
        render(list.items, format, () =>
          formatTable(
            ['NAME', 'ENVIRONMENT', 'VERSION', 'UPDATED', 'BY'],
            list.items.map((r) =>
              r.metadata
                ? [
                    r.metadata.name,
                    r.metadata.environment ?? '',
                    r.metadata.version,
                    age(r.metadata.updatedAt),
                    r.metadata.updatedBy,
                  ]
                : [r.id, '', '', age(r.createdAt), r.subject],
            ),
          ),
        ),
      );
    });

  program
    .command('delete')
    .description('delete a resource')
    .argument('<kind>')
    .argument('<name>')
    .option('--env <environment>', 'environment (for kinds that live in one)')
    .option('--version <n>', 'only if the resource is still at this version')
    .action(async (kindName: string, name: string, opts: { env?: string; version?: string }) => {
      const client = ctx.client();
      const kind = await findKind(client, kindName);
      if (opts.version !== undefined && !/^\d+$/.test(opts.version))
        throw usageError('--version takes a whole number');
      const query = opts.env ? `?environment=${encodeURIComponent(opts.env)}` : '';
      const deleted = await client.request(
        'DELETE',
        `/api/v1/${kind.plural}/${encodeURIComponent(name)}${query}`,
        undefined,
        opts.version ? { 'if-match': `"${opts.version}"` } : {},
      );
      const stopping = deleted.kind === 'Service' ? '; its running versions are being stopped' : '';
      ctx.io.stdout(
        `deleted ${deleted.kind}/${deleted.metadata.name} (was version ${deleted.metadata.version})${stopping}\n`,
      );
    });
}
