/** `sluice router` (a standalone data plane) and `sluice load` (bounded simulated users). */
import { resolve } from 'node:path';
import { type LoadSummary, runLoad } from '@sluice/router/load';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { parseFormat, render } from '../output/format.js';

/** "30s", "2m", "1h", "500ms" or plain seconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) throw usageError(`"${text}" is not a duration (e.g. 30s, 2m, 1h, 500ms)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

function positiveInt(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw usageError(`${name} takes a whole number (got "${text}")`);
  return Number(text);
}

export function registerTrafficCommands(program: Command, ctx: CommandContext): void {
  program
    .command('router')
    .description('run a standalone router that follows a control plane and keeps serving without it')
    .requiredOption('--control-plane <url>', 'the control plane URL')
    .option('--router-token <token>', 'a token with the router scope (SLUICE_ROUTER_TOKEN)')
    .option('--port <port>', 'proxy port', '4280')
    .option('--host <host>', 'proxy address', '0.0.0.0')
    .option('--admin-port <port>', 'status and metrics port', '4281')
    .option('--state-dir <dir>', 'where the last configuration is kept', './.sluice-router')
    .option('--id <id>', 'router id reported to the control plane')
    .option('--workers <n>', 'worker processes that proxy, 1–64 (more use more cores)', '1')
    .action(
      async (opts: {
        controlPlane: string;
        routerToken?: string;
        port: string;
        host: string;
        adminPort: string;
        stateDir: string;
        id?: string;
        workers: string;
      }) => {
        const workers = positiveInt('--workers', opts.workers);
        if (workers < 1 || workers > 64) throw usageError(`--workers takes 1 to 64 (got ${workers})`);
        const token = opts.routerToken ?? ctx.io.env.SLUICE_ROUTER_TOKEN;
        if (!token) throw usageError('a router token is needed: --router-token or SLUICE_ROUTER_TOKEN');
        const { runStandaloneRouter, stderrLogger } = await import('@sluice/router');
        const router = await runStandaloneRouter({
          controlPlaneUrl: opts.controlPlane,
          token,
          port: positiveInt('--port', opts.port),
          host: opts.host,
          adminPort: positiveInt('--admin-port', opts.adminPort),
          stateDir: resolve(ctx.io.cwd, opts.stateDir),
          ...(opts.id ? { routerId: opts.id } : {}),
          log: stderrLogger,
          router: { workers },
        });
        const status = router.router.status();
        ctx.io.stdout(
          `router ${router.routerId} on ${status.listen?.host}:${status.listen?.port} (admin ${status.admin?.host}:${status.admin?.port}), serving configuration v${status.configVersion} (${status.source})\n`,
        );
        await new Promise<void>((done) => {
          const stop = () => void router.close().then(done);
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
      },
    );

  program
    .command('load')
    .description('send bounded traffic from simulated sticky users (loopback addresses only)')
    .requiredOption('--url <url>', 'target URL (127.0.0.0/8, ::1 or localhost)')
    .option('--rps <n>', 'requests per second (at most 5000)', '50')
    .option('--duration <d>', 'how long: 30s, 2m, … (at most 1h)', '30s')
    .option('--users <n>', 'simulated users at a time', '100')
    .option('--session <n>', 'requests per user before a new user takes their place', '10')
    .option('-o, --output <format>', 'table, json or yaml for the summary', 'table')
    .action(
      async (opts: {
        url: string;
        rps: string;
        duration: string;
        users: string;
        session: string;
        output: string;
      }) => {
        const format = parseFormat(opts.output);
        const live = ctx.io.isTty && format === 'table';
        const summary = await runLoad({
          url: opts.url,
          rps: positiveInt('--rps', opts.rps),
          durationMs: parseDuration(opts.duration),
          users: positiveInt('--users', opts.users),
          sessionRequests: positiveInt('--session', opts.session),
          onProgress: (p) => {
            const line = `${(p.elapsedMs / 1000).toFixed(0)}s  sent ${p.sent}  ok ${p.ok}  failed ${p.failed}  dropped ${p.dropped}  in flight ${p.inFlight}`;
            if (live) ctx.io.stdout(`\r${line}   `);
            else if (format === 'table') ctx.io.stderr(`${line}\n`);
          },
        });
        if (live) ctx.io.stdout('\n');
        const why = await failureReasons(summary, () => knownRoutes(ctx));
        ctx.io.stdout(
          render({ ...summary, why }, format, () => {
            const versions =
              Object.entries(summary.byVersion)
                .map(([v, n]) => `${v} ${n}`)
                .join(', ') || '—';
            return [
              `sent ${summary.sent} in ${(summary.elapsedMs / 1000).toFixed(1)}s (${summary.achievedRps.toFixed(0)}/s): ${summary.ok} ok, ${summary.failed} failed, ${summary.dropped} dropped`,
              `by status: ${counts(summary.byStatus)}${Object.keys(summary.errors).length ? `; connection errors: ${counts(summary.errors)}` : ''}`,
              ...why.map((w) => `  ${w}`),
              `by version: ${versions}; users who switched version: ${summary.usersSwitchedVersion}`,
              `latency p50 ${summary.latency.p50.toFixed(1)} ms, p95 ${summary.latency.p95.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms`,
              '',
            ].join('\n');
          }),
        );
        // a run whose requests mostly failed measured nothing worth having: say so in the exit code
        const answered = summary.ok + summary.failed;
        if (answered === 0 || summary.failed * 2 > answered)
          throw new CliError(
            'Most requests failed',
            `${summary.failed} of ${answered} requests to ${summary.url} failed${why[0] ? `: ${why[0]}` : ''}`,
          );
      },
    );
}

const counts = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ') || '—';

/** One line per failing status or error: what the target said. */
async function failureReasons(
  summary: LoadSummary,
  routes: () => Promise<string[] | null>,
): Promise<string[]> {
  const lines: string[] = [];
  for (const [status, reason] of Object.entries(summary.reasons)) {
    let line = `${status}: ${reason.detail}`;
    if (reason.code === 'ROUTER_NO_ROUTE') {
      const host = new URL(summary.url).host;
      const known = await routes();
      line = `${status}: no route for host ${host}${known ? ` — routes: ${known.join(', ') || 'none yet'}` : ''}`;
    }
    lines.push(line);
  }
  for (const code of Object.keys(summary.errors))
    if (code === 'ECONNREFUSED') lines.push(`${code}: nothing listens at ${new URL(summary.url).host}`);
  return lines;
}

/** The routes the control plane gives routers (`api.localhost/`), or null when it cannot be asked. */
async function knownRoutes(ctx: CommandContext): Promise<string[] | null> {
  try {
    const { items } = await ctx
      .client()
      .request<{ items: { spec: { host?: string; pathPrefix: string } }[] }>(
        'GET',
        '/api/v1/routes?limit=100',
      );
    return items.map(
      (r) => `${r.spec.host ?? '(any host)'}${r.spec.pathPrefix === '/' ? '' : r.spec.pathPrefix}`,
    );
  } catch {
    return null;
  }
}
