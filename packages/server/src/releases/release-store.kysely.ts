import type { Executor } from '../storage/index.js';
import type { ReleaseTable } from '../storage/schema.js';
import type { ReleaseRecord, ReleaseStore } from './release-store.js';

const fromRow = (r: ReleaseTable): ReleaseRecord => ({
  runId: r.run_id,
  rollout: r.rollout,
  environment: r.environment,
  rolloutVersion: r.rollout_version,
  plan: r.plan,
  version: r.version,
  services: JSON.parse(r.services) as string[],
  status: r.status,
  startedBy: r.started_by,
  approvedBy: JSON.parse(r.approved_by) as string[],
  startedAt: r.started_at,
  fullAt: r.full_at,
  endedAt: r.ended_at,
  rollbackReason: r.rollback_reason,
});

const toRow = (r: ReleaseRecord): ReleaseTable => ({
  run_id: r.runId,
  rollout: r.rollout,
  environment: r.environment,
  rollout_version: r.rolloutVersion,
  plan: r.plan,
  version: r.version,
  services: JSON.stringify(r.services),
  status: r.status,
  started_by: r.startedBy,
  approved_by: JSON.stringify(r.approvedBy),
  started_at: r.startedAt,
  full_at: r.fullAt,
  ended_at: r.endedAt,
  rollback_reason: r.rollbackReason,
});

export function createReleaseStore(db: Executor): ReleaseStore {
  return {
    async get(runId) {
      const row = await db
        .selectFrom('sluice_release')
        .selectAll()
        .where('run_id', '=', runId)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async put(record) {
      const row = toRow(record);
      const { run_id: _key, ...changes } = row;
      await db
        .insertInto('sluice_release')
        .values(row)
        .onConflict((oc) => oc.column('run_id').doUpdateSet(changes))
        .execute();
    },

    async list(query) {
      let q = db
        .selectFrom('sluice_release')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('run_id', 'desc');
      if (query.environment) q = q.where('environment', '=', query.environment);
      if (query.since) q = q.where('started_at', '>=', query.since);
      // services is a JSON array: a service's releases are picked after reading (few per day)
      const rows = (await q.limit(query.service ? 5000 : query.limit).execute()).map(fromRow);
      const service = query.service;
      return (service ? rows.filter((r) => r.services.includes(service)) : rows).slice(0, query.limit);
    },
  };
}
