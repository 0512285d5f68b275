/**
 * The four DORA figures over a period, from release records (pure: the period and the records
 * are passed in). Definitions, as the README of this folder explains:
 * - deployment frequency: releases that succeeded in the period, per day;
 * - lead time for changes: from the change's first sighting (its commit time when known, else
 *   the release's start) to the release reaching 100 % — median and 90th percentile;
 * - change failure rate: releases that ended failed or rolled back, over all that ended
 *   (aborted ones were stopped by people and count for neither side);
 * - time to restore: from a failed release's start (the bad version began taking traffic) to
 *   its rollback's end, or, for one left failed, to the end of the next release of the same
 *   service and environment that succeeded — median; failures not yet restored are counted apart.
 */

export type ReleaseOutcome = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'aborted';

export interface ReleaseFacts {
  environment: string;
  services: readonly string[];
  outcome: ReleaseOutcome;
  /** Epoch milliseconds. */
  startedAt: number;
  /** The change's first sighting: its commit time when known. */
  firstSeenAt?: number | undefined;
  /** When it first reached 100 %. */
  fullAt?: number | undefined;
  endedAt?: number | undefined;
}

export interface DoraReport {
  since: string;
  until: string;
  days: number;
  deployments: number;
  deploymentsPerDay: number;
  leadTimeSeconds: { median: number | null; p90: number | null; samples: number };
  changeFailureRate: number | null;
  failures: number;
  timeToRestoreSeconds: { median: number | null; samples: number; unrestored: number };
}

const DAY = 86_400_000;

/** The value at quantile q of sorted values, by nearest rank. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const FAILED = new Set<ReleaseOutcome>(['failed', 'rolled_back']);

export function doraReport(
  releases: readonly ReleaseFacts[],
  period: { since: number; until: number },
): DoraReport {
  const inPeriod = (t: number | undefined) => t !== undefined && t >= period.since && t < period.until;
  const ended = releases.filter(
    (r) => r.outcome !== 'running' && r.outcome !== 'aborted' && inPeriod(r.endedAt),
  );
  const succeeded = ended.filter((r) => r.outcome === 'succeeded');
  const failures = ended.filter((r) => FAILED.has(r.outcome));
  const days = Math.max(1 / 24, (period.until - period.since) / DAY);

  const leads = succeeded
    .map((r) => ((r.fullAt ?? r.endedAt) as number) - (r.firstSeenAt ?? r.startedAt))
    .filter((ms) => ms >= 0)
    .sort((a, b) => a - b);

  const restores: number[] = [];
  let unrestored = 0;
  for (const f of failures) {
    const restoredAt = f.outcome === 'rolled_back' ? f.endedAt : nextSuccessEnd(releases, f);
    if (restoredAt === undefined) unrestored += 1;
    else restores.push(restoredAt - f.startedAt);
  }
  restores.sort((a, b) => a - b);

  const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 10) / 100);
  return {
    since: new Date(period.since).toISOString(),
    until: new Date(period.until).toISOString(),
    days: Math.round(days * 1000) / 1000,
    deployments: succeeded.length,
    deploymentsPerDay: Math.round((succeeded.length / days) * 1000) / 1000,
    leadTimeSeconds: {
      median: seconds(quantile(leads, 0.5)),
      p90: seconds(quantile(leads, 0.9)),
      samples: leads.length,
    },
    changeFailureRate: ended.length ? Math.round((failures.length / ended.length) * 10_000) / 10_000 : null,
    failures: failures.length,
    timeToRestoreSeconds: { median: seconds(quantile(restores, 0.5)), samples: restores.length, unrestored },
  };
}

/** When the next successful release of the same environment and a shared service ended. */
function nextSuccessEnd(releases: readonly ReleaseFacts[], failed: ReleaseFacts): number | undefined {
  let best: number | undefined;
  for (const r of releases) {
    if (r.outcome !== 'succeeded' || r.environment !== failed.environment || r.endedAt === undefined)
      continue;
    if (r.startedAt < failed.startedAt || !r.services.some((s) => failed.services.includes(s))) continue;
    if (best === undefined || r.endedAt < best) best = r.endedAt;
  }
  return best;
}

/** `30d`, `12h`, `90m`, `2w` → milliseconds; null when it is not a duration. */
export function parsePeriod(text: string): number | null {
  const m = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (!m) return null;
  const unit = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
