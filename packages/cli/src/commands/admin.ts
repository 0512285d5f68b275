/** token, audit and env: administration commands. */
import type { AuditEntry, EnvironmentSpec, StoredResource, TokenView } from '@sluice/server';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { age, formatTable, parseFormat, render } from '../output/format.js';

const envSpec = (e: StoredResource) => e.spec as EnvironmentSpec;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

export function registerAdminCommands(program: Command, ctx: CommandContext): void {
  const token = program.command('token').description('create, list and revoke API tokens');
  token
    .command('create')
    .description('create a token; its secret is printed once')
    .requiredOption('--subject <subject>', 'the person or system the token speaks for')
    .requiredOption(
      '--scope <scope>',
      'admin, write[:env], read[:env], sdk:<env>, router (repeatable or comma-separated)',
      collect,
    )
    .option('--role <role>', 'role for approval gates (repeatable)', collect, [])
    .option('--description <text>', 'what the token is for', '')
    .option('--expires <iso-time>', 'expiry time, e.g. 2027-01-01T00:00:00Z')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('-q, --quiet', 'print the secret only (for scripts: TOKEN=$(sluice token create … -q))')
    .action(
      async (opts: {
        subject: string;
        scope: string[];
        role: string[];
        description: string;
        expires?: string;
        output: string;
        quiet?: boolean;
      }) => {
        const format = parseFormat(opts.output);
        const created = await ctx.client().request('POST', '/api/v1/tokens', {
          subject: opts.subject,
          scopes: opts.scope,
          roles: opts.role,
          description: opts.description,
          ...(opts.expires ? { expiresAt: opts.expires } : {}),
        });
        if (opts.quiet) return ctx.io.stdout(`${created.token}\n`);
        ctx.io.stdout(
          render(
            created,
            format,
            () =>
              `token ${created.id} for ${created.subject} (${created.scopes.join(', ')})\n${created.token}\nstore it now: it is not shown again\n`,
          ),
        );
      },
    );
  token
    .command('list')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseFormat(opts.output);
      const { items } = await ctx.client().request<{ items: TokenView[] }>('GET', '/api/v1/tokens');
      ctx.io.stdout(
        render(items, format, () =>
          formatTable(
            ['ID', 'SUBJECT', 'SCOPES', 'ROLES', 'CREATED', 'STATUS'],
            items.map((t) => [
              t.id,
              t.subject,
              t.scopes.join(','),
              t.roles.join(','),
              age(t.createdAt),
              t.revokedAt ? 'revoked' : 'active',
            ]),
          ),
        ),
      );
    });
  token
    .command('revoke')
    .argument('<id>')
    .action(async (id: string) => {
      const t = await ctx.client().request('POST', `/api/v1/tokens/${encodeURIComponent(id)}/revoke`);
      ctx.io.stdout(`revoked token ${t.id} (${t.subject})\n`);
    });

  program
    .command('audit')
    .description('read the audit log, newest first')
    .option('--kind <kind>')
    .option('--name <name>')
    .option('--env <environment>')
    .option('--actor <subject>')
    .option('--action <action>')
    .option('--since <iso-time>')
    .option('--limit <n>', 'entries to show', '50')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: Record<string, string | undefined>) => {
      const format = parseFormat(opts.output);
      if (!/^\d+$/.test(opts.limit ?? '')) throw usageError('--limit takes a whole number');
      const query = new URLSearchParams();
      for (const [flag, param] of [
        ['kind', 'kind'],
        ['name', 'name'],
        ['env', 'environment'],
        ['actor', 'actor'],
        ['action', 'action'],
        ['since', 'since'],
        ['limit', 'limit'],
      ] as const) {
        const v = opts[flag];
        if (v) query.set(param, v);
      }
      const page = await ctx.client().request<{ items: AuditEntry[] }>('GET', `/api/v1/audit?${query}`);
      ctx.io.stdout(
        render(page.items, format, () =>
          formatTable(
            ['TIME', 'ACTOR', 'ACTION', 'RESOURCE', 'ENVIRONMENT', 'VERSION'],
            page.items.map((e) => [
              e.at,
              e.actor,
              e.action,
              `${e.kind}/${e.name}`,
              e.environment ?? '',
              (e.after as { metadata?: { version?: number } } | null)?.metadata?.version ?? '',
            ]),
          ),
        ),
      );
    });

  const env = program.command('env').description('list and create environments');
  env
    .command('list')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseFormat(opts.output);
      const { items } = await ctx
        .client()
        .request<{ items: StoredResource[] }>('GET', '/api/v1/environments');
      ctx.io.stdout(
        render(items, format, () =>
          formatTable(
            ['NAME', 'DESCRIPTION', 'PUBLIC EVALUATION', 'VERSION'],
            items.map((e) => [
              e.metadata.name,
              envSpec(e).description,
              envSpec(e).settings.publicEvaluation ? 'on' : 'off',
              e.metadata.version,
            ]),
          ),
        ),
      );
    });
  env
    .command('create')
    .argument('<name>')
    .option('--description <text>', '', '')
    .option('--public-evaluation', 'let the feature API (/api/features) evaluate without a token here')
    .action(async (name: string, opts: { description: string; publicEvaluation?: boolean }) => {
      const created = await ctx.client().request(
        'PUT',
        `/api/v1/environments/${encodeURIComponent(name)}`,
        {
          spec: {
            description: opts.description,
            settings: { publicEvaluation: Boolean(opts.publicEvaluation) },
          },
        },
        { 'if-match': '"0"' },
      );
      ctx.io.stdout(`created environment ${created.metadata.name}\n`);
    });
}
