import type { Executor } from '../storage/index.js';
import type { GitSyncTable } from '../storage/schema.js';
import type { SyncState, SyncStore } from './sync-store.js';

const fromRow = (r: GitSyncTable): SyncState => {
  const error = r.error ? (JSON.parse(r.error) as SyncState['problems']) : [];
  return {
    source: r.source,
    status: r.status,
    commit: r.commit,
    committedAt: r.committed_at,
    attemptedCommit: r.attempted_commit,
    problems: error,
    drift: r.drift ? (JSON.parse(r.drift) as string[]) : [],
    checkedAt: r.synced_at,
  };
};

export function createSyncStore(db: Executor): SyncStore {
  return {
    async get(source) {
      const row = await db
        .selectFrom('sluice_git_sync')
        .selectAll()
        .where('source', '=', source)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async claim(source, owner, now, until) {
      await db
        .insertInto('sluice_git_sync')
        .values({
          source,
          status: 'never',
          commit: null,
          committed_at: null,
          attempted_commit: null,
          error: null,
          drift: null,
          synced_at: null,
          lease_owner: null,
          lease_until: null,
        })
        .onConflict((oc) => oc.column('source').doNothing())
        .execute();
      const res = await db
        .updateTable('sluice_git_sync')
        .set({ lease_owner: owner, lease_until: until })
        .where('source', '=', source)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async release(source, owner) {
      await db
        .updateTable('sluice_git_sync')
        .set({ lease_owner: null, lease_until: null })
        .where('source', '=', source)
        .where('lease_owner', '=', owner)
        .execute();
    },

    async save(state) {
      await db
        .updateTable('sluice_git_sync')
        .set({
          status: state.status,
          commit: state.commit,
          committed_at: state.committedAt,
          attempted_commit: state.attemptedCommit,
          error: state.problems.length ? JSON.stringify(state.problems) : null,
          drift: state.drift.length ? JSON.stringify(state.drift) : null,
          synced_at: state.checkedAt,
        })
        .where('source', '=', state.source)
        .execute();
    },

    async recordApplied(rows) {
      if (!rows.length) return;
      await db
        .insertInto('sluice_git_applied')
        .values(
          rows.map((r) => ({
            kind: r.kind,
            environment: r.environment,
            name: r.name,
            version: r.version,
            source: r.source,
            commit: r.commit,
            committed_at: r.committedAt,
            applied_at: r.appliedAt,
          })),
        )
        .onConflict((oc) => oc.columns(['kind', 'environment', 'name', 'version']).doNothing())
        .execute();
    },

    async appliedVersion(kind, environment, name, version) {
      const r = await db
        .selectFrom('sluice_git_applied')
        .selectAll()
        .where('kind', '=', kind)
        .where('environment', '=', environment)
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      return r
        ? {
            kind: r.kind,
            environment: r.environment,
            name: r.name,
            version: r.version,
            source: r.source,
            commit: r.commit,
            committedAt: r.committed_at,
            appliedAt: r.applied_at,
          }
        : null;
    },
  };
}
