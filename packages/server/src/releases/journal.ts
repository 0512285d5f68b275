/**
 * Keeps each run's release record in step with its events, in the events' own transaction
 * (rollouts/run-journal.ts): started, approved by whom, at 100 % when, ended how and why.
 */
import { isTerminal, type RunState } from '@sluice/core/rollouts';
import type { RunJournalEntry, RunObserver } from '../rollouts/run-journal.js';
import type { ReleaseRecord } from './release-store.js';
import { createReleaseStore } from './release-store.kysely.js';

/** Services a plan moves (`config.app_name`) and the flags it walks (`flag:<key>`). */
function servicesOf(state: RunState): string[] {
  const out = new Set<string>();
  for (const stage of state.plan.stages) {
    const config = stage.config as { app_name?: unknown; flag_key?: unknown };
    if (typeof config.app_name === 'string') out.add(config.app_name);
    else if (typeof config.flag_key === 'string') out.add(`flag:${config.flag_key}`);
  }
  return [...out];
}

/** Every stage stands at 100 % or has completed. */
function atFull(state: RunState): boolean {
  const stages = Object.values(state.stages);
  return (
    stages.length > 0 &&
    state.status !== 'rolling_back' &&
    stages.every((s) => s.status === 'completed' || s.weight >= 100)
  );
}

export function nextRecord(previous: ReleaseRecord | null, entry: RunJournalEntry): ReleaseRecord {
  const { run, result, event } = entry;
  const state = result.state;
  const at = new Date(entry.at).toISOString();
  const record: ReleaseRecord = previous ?? {
    runId: run.id,
    rollout: run.rollout,
    environment: run.environment,
    rolloutVersion: run.rolloutVersion,
    plan: state.plan.name,
    version: state.plan.version,
    services: servicesOf(state),
    status: state.status,
    startedBy: run.startedBy,
    approvedBy: [],
    startedAt: run.startedAt,
    fullAt: null,
    endedAt: null,
    rollbackReason: null,
  };
  const approver = event.type === 'approve' && typeof event.subject === 'string' ? event.subject : null;
  const rollingBack = state.status === 'rolling_back' || state.status === 'rolled_back';
  return {
    ...record,
    status: state.status,
    approvedBy:
      approver && !record.approvedBy.includes(approver)
        ? [...record.approvedBy, approver]
        : record.approvedBy,
    fullAt: record.fullAt ?? (atFull(state) ? at : null),
    endedAt: record.endedAt ?? (isTerminal(state.status) ? at : null),
    rollbackReason:
      record.rollbackReason ?? (rollingBack ? (state.rollback?.reason ?? state.reason ?? null) : null),
  };
}

export const releaseObserver: RunObserver = async (trx, entries) => {
  const store = createReleaseStore(trx);
  for (const entry of entries) await store.put(nextRecord(await store.get(entry.run.id), entry));
};
