/** `sluice login|logout|context`: the per-user contexts, so the CLI finds its server from any folder. */
import type { Command } from 'commander';
import { ApiClient } from '../client/api.js';
import { configPath, looseMode, readConfig, writeConfig } from '../client/config-file.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatTable, parseFormat, render } from '../output/format.js';

/** `http://127.0.0.1:4200` → `127.0.0.1-4200`: a context name nobody has to invent. */
function nameFor(url: URL): string {
  return `${url.hostname}${url.port ? `-${url.port}` : ''}`.replace(/[^a-zA-Z0-9.-]/g, '-');
}

export function registerLoginCommands(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description(`remember a server and token for this user (${configPath(ctx.io)}, mode 0600)`)
    .argument('<url>', 'the control plane, e.g. http://127.0.0.1:4200')
    .requiredOption('--token <token>', 'an API token for it')
    .option('--name <name>', 'the context name (default: host-port)')
    .action(async (raw: string, opts: { token: string; name?: string }) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw usageError(`"${raw}" is not a URL (e.g. http://127.0.0.1:4200)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw usageError(`"${raw}" is not an http(s) URL`);
      const base = url.origin + url.pathname.replace(/\/+$/, '');
      // a token that does not work is not worth remembering
      const who = await new ApiClient({ url: base, token: opts.token, tokenSource: '--token' }).request(
        'GET',
        '/api/v1/whoami',
      );
      const name = opts.name ?? nameFor(url);
      const config = readConfig(ctx.io);
      config.contexts[name] = { url: base, token: opts.token };
      config.current = name;
      const file = writeConfig(ctx.io, config);
      ctx.io.stdout(
        `logged in to ${base} as ${who.subject} (${(who.scopes ?? []).join(', ')}); context "${name}" saved in ${file}\n`,
      );
    });

  program
    .command('logout')
    .description('forget a context (default: the current one)')
    .argument('[name]', 'the context')
    .action((name: string | undefined) => {
      const config = readConfig(ctx.io);
      const target = name ?? config.current;
      if (!target || !config.contexts[target])
        throw new CliError('Not found', `no context "${target ?? ''}" in ${configPath(ctx.io)}`);
      delete config.contexts[target];
      if (config.current === target) config.current = null;
      writeConfig(ctx.io, config);
      ctx.io.stdout(`forgot context "${target}"\n`);
    });

  program
    .command('context')
    .description('list the saved contexts, or switch to one')
    .argument('[name]', 'the context to use from now on')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action((name: string | undefined, opts: { output: string }) => {
      const format = parseFormat(opts.output);
      const file = configPath(ctx.io);
      const config = readConfig(ctx.io);
      if (looseMode(file)) ctx.io.stderr(`warning: ${file} is readable by others; chmod 600 it\n`);
      if (name !== undefined) {
        if (!config.contexts[name])
          throw new CliError(
            'Not found',
            `no context "${name}" in ${file} (saved: ${Object.keys(config.contexts).join(', ') || 'none'})`,
          );
        config.current = name;
        writeConfig(ctx.io, config);
        ctx.io.stdout(`using context "${name}" (${config.contexts[name]?.url})\n`);
        return;
      }
      const rows = Object.entries(config.contexts).map(([n, c]) => ({
        name: n,
        url: c.url,
        current: n === config.current,
      }));
      ctx.io.stdout(
        render(rows, format, () =>
          rows.length
            ? formatTable(
                ['CURRENT', 'NAME', 'URL'],
                rows.map((r) => [r.current ? '*' : '', r.name, r.url]),
              )
            : `no contexts yet: sluice login URL --token …\n`,
        ),
      );
    });
}
