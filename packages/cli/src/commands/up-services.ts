/**
 * What `sluice up` does, on its way out, with the versions it started for Services (the
 * `process` provider's processes on this host). On SQLite Sluice is one process on a laptop:
 * what it started it stops, unless `--keep-services`. On PostgreSQL other replicas may be
 * serving those versions: they keep running, unless `--stop-services`. Either way it says so.
 */
import type { ServiceRef, ServiceVersions } from '@sluice/server';

export interface ServicesOnExit {
  stop: boolean;
  /** The line `up` prints at start, so nobody is surprised at the end. */
  promise: string;
}

export function servicesOnExit(
  dialect: 'sqlite' | 'postgres',
  opts: { keepServices?: boolean; stopServices?: boolean },
): ServicesOnExit {
  const stop = dialect === 'sqlite' ? !opts.keepServices : Boolean(opts.stopServices);
  const promise = stop
    ? `On exit, Sluice stops the service versions it started on this machine${dialect === 'sqlite' ? ' (--keep-services leaves them running)' : ' (--stop-services)'}.`
    : `On exit, the service versions Sluice started keep running${dialect === 'postgres' ? ' (other replicas may serve them; --stop-services stops them)' : ' (--keep-services)'}; \`sluice service ps\` lists them.`;
  return { stop, promise };
}

/** Stops (or lists, when kept) the versions of `refs`; one line per Service for the terminal. */
export async function settleVersions(
  versions: ServiceVersions,
  refs: readonly ServiceRef[],
  stop: boolean,
): Promise<string[]> {
  const lines: string[] = [];
  for (const ref of refs) {
    const where = `${ref.name} (${ref.environment})`;
    if (stop) {
      const { stopped, failed } = await versions.stop(ref);
      if (stopped.length) lines.push(`stopped ${where}: ${stopped.map((v) => v.version).join(', ')}`);
      for (const f of failed) lines.push(`could not stop ${f}`);
    } else {
      const running = (await versions.list(ref)).filter((v) => v.state !== 'failed');
      if (running.length)
        lines.push(
          `left running ${where}: ${running.map((v) => `${v.version} (pid ${v.info.pid ?? '?'})`).join(', ')}`,
        );
    }
  }
  return lines;
}
