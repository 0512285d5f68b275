/**
 * What a stored rollout event announces, read from the transitions it caused: pure, so the
 * same event always yields the same notices in the same order, and their keys (run, event seq,
 * position) are the same on every replica and every retry.
 */
import type { RunJournalEntry } from '../rollouts/run-journal.js';
import type { NoticeEvent } from './notifier.kind.js';

export interface Notice {
  /** Stable across replays: the receiver's idempotency key (with the notifier's name). */
  id: string;
  event: NoticeEvent;
  environment: string;
  /** null for notices of no rollout (a flag killed, an emergency stop). */
  rollout: string | null;
  runId: string | null;
  stage: string | null;
  /** One line for people. */
  text: string;
  /** What to run next, when someone must act (an approval). */
  command?: string;
  at: string;
}

export function noticesOf(entry: RunJournalEntry): Notice[] {
  const { run, result } = entry;
  const out: Omit<Notice, 'id'>[] = [];
  const base = {
    environment: run.environment,
    rollout: run.rollout,
    runId: run.id,
    at: new Date(entry.at).toISOString(),
  };
  const who = `${run.rollout} in ${run.environment}`;
  for (const t of result.transitions) {
    if (t.stage === null) {
      if (t.from === 'pending' && t.to === 'running')
        out.push({
          ...base,
          event: 'rollout.started',
          stage: null,
          text: `${who} started by ${run.startedBy}`,
        });
      else if (t.to === 'succeeded')
        out.push({ ...base, event: 'rollout.completed', stage: null, text: `${who} completed` });
      else if (t.to === 'rolled_back')
        out.push({
          ...base,
          event: 'rollout.rolled_back',
          stage: null,
          text: `${who} rolled back: ${t.reason}`,
        });
      else if (t.to === 'failed' || t.to === 'aborted')
        out.push({ ...base, event: 'rollout.failed', stage: null, text: `${who} ${t.to}: ${t.reason}` });
      continue;
    }
    if (t.to === 'completed')
      out.push({
        ...base,
        event: 'stage.completed',
        stage: t.stage,
        text: `${who}: stage ${t.stage} completed`,
      });
    if (t.check?.decision === 'fail')
      out.push({
        ...base,
        event: 'analysis.failed',
        stage: t.stage,
        text: `${who}: analysis of stage ${t.stage} failed: ${t.check.reason}`,
      });
  }
  // a gate that began waiting for people in this event (it was not waiting before it)
  for (const t of result.transitions) {
    if (t.stage === null || t.to !== 'gating') continue;
    const stage = result.state.stages[t.stage];
    if (!stage?.waitingFor?.startsWith('approval from')) continue;
    out.push({
      ...base,
      event: 'gate.waiting',
      stage: t.stage,
      text: `${who}: stage ${t.stage} is waiting for ${stage.waitingFor}`,
      command: `sluice rollout approve ${run.id} --stage ${t.stage} --env ${run.environment}`,
    });
  }
  return out.map((n, i) => ({ ...n, id: `${run.id}.${entry.seq}.${i}` }));
}

/** A kill switch thrown: flag, environment, who and why. */
export function flagKilledNotice(kill: {
  environment: string;
  flag: string;
  reason: string;
  killedBy: string;
  killedAt: string;
}): Notice {
  return {
    id: `kill.${kill.environment}.${kill.flag}.${kill.killedAt}`,
    event: 'flag.killed',
    environment: kill.environment,
    rollout: null,
    runId: null,
    stage: null,
    text: `flag ${kill.flag} in ${kill.environment} was killed by ${kill.killedBy}: ${kill.reason}`,
    command: `sluice flag unkill ${kill.flag} --env ${kill.environment} --reason "<why>"`,
    at: kill.killedAt,
  };
}

/** An environment put in emergency mode. */
export function emergencyNotice(state: {
  environment: string;
  reason: string | null;
  startedBy: string | null;
  startedAt: string | null;
}): Notice {
  const at = state.startedAt ?? new Date(0).toISOString();
  return {
    id: `emergency.${state.environment}.${at}`,
    event: 'emergency.stopped',
    environment: state.environment,
    rollout: null,
    runId: null,
    stage: null,
    text: `${state.environment} is in emergency mode (by ${state.startedBy ?? 'unknown'}): ${state.reason ?? ''}`,
    command: `sluice emergency clear --env ${state.environment}`,
    at,
  };
}
