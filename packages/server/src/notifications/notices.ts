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
  rollout: string;
  runId: string;
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
