/** Release history and the DORA report, from the records the journal keeps (journal.ts). */
import { type DoraReport, doraReport, type ReleaseOutcome } from '@sluice/core/delivery';
import type { Executor } from '../storage/index.js';
import type { ReleaseQuery, ReleaseRecord } from './release-store.js';
import { createReleaseStore } from './release-store.kysely.js';

/** Where a Rollout version came from, when git applied it (the GitOps slice's read model). */
export type CommitOf = (
  environment: string,
  rollout: string,
  version: number,
) => Promise<{ commit: string; committedAt: string } | null>;

export type Release = ReleaseRecord & { commit: string | null; committedAt: string | null };

const OUTCOMES = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

export class ReleasesService {
  constructor(
    private readonly db: Executor,
    private readonly commitOf: CommitOf,
    readonly now: () => Date,
  ) {}

  async list(query: ReleaseQuery): Promise<Release[]> {
    const records = await createReleaseStore(this.db).list(query);
    return Promise.all(
      records.map(async (r) => {
        const origin = await this.commitOf(r.environment, r.rollout, r.rolloutVersion);
        return { ...r, commit: origin?.commit ?? null, committedAt: origin?.committedAt ?? null };
      }),
    );
  }

  async dora(query: { environment?: string; service?: string; sinceMs: number }): Promise<DoraReport> {
    const until = this.now().getTime();
    const since = until - query.sinceMs;
    // a release counts by when it ended; one that ended in the period may have started before it
    const releases = await this.list({
      environment: query.environment,
      service: query.service,
      since: new Date(since - 30 * 86_400_000).toISOString(),
      limit: 10_000,
    });
    const time = (iso: string | null) => (iso === null ? undefined : Date.parse(iso));
    return doraReport(
      releases.map((r) => ({
        environment: r.environment,
        services: r.services,
        outcome: (OUTCOMES.has(r.status) ? r.status : 'running') as ReleaseOutcome,
        startedAt: Date.parse(r.startedAt),
        firstSeenAt: time(r.committedAt),
        fullAt: time(r.fullAt),
        endedAt: time(r.endedAt),
      })),
      { since, until },
    );
  }
}
