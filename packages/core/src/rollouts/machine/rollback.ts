/**
 * Rollback: the failed stage and the stages that acted before it, in reverse topological
 * order (rollback_stages narrows which completed stages), one idempotent command at a time.
 */
import { executorFor } from '../executors/index.js';
import type { CommandOutcome } from '../executors/types.js';
import type { TerminalStatus } from '../state.js';
import {
  ACTIVE,
  cancelTimers,
  dropPending,
  emitCommand,
  execContext,
  notify,
  setRun,
  setStage,
  stageDef,
  stageRun,
  type Tx,
} from './tx.js';

export type RollbackScope = { failed: string } | 'all';

/** The stages to undo, in the order to undo them. */
export function rollbackQueue(tx: Tx, scope: RollbackScope): string[] {
  const failed = scope === 'all' ? undefined : scope.failed;
  const narrow = failed ? stageDef(tx, failed).rollback_stages : [];
  const chosen = tx.state.order.filter((n) => {
    const s = stageRun(tx, n);
    if (!s.acted || s.status === 'rolled_back' || s.status === 'cancelled') return false;
    if (n === failed || ACTIVE.has(s.status)) return true;
    return narrow.length === 0 || narrow.includes(n);
  });
  return chosen.reverse();
}

export function beginRollback(
  tx: Tx,
  scope: RollbackScope,
  finalStatus: TerminalStatus,
  reason: string,
): void {
  const st = tx.state;
  if (st.status === 'rolling_back' || st.status === 'pending') return;
  cancelTimers(tx, () => true);
  dropPending(tx, () => true);
  const queue = rollbackQueue(tx, scope);
  for (const n of st.order) {
    const s = stageRun(tx, n);
    if (!s.acted && (s.status === 'pending' || s.status === 'gating')) {
      delete s.gate;
      delete s.waitingFor;
      setStage(tx, n, 'cancelled', 'the run is rolling back');
    }
  }
  // A stage failure with nothing to undo (e.g. a rejected entry gate) is a plain failure.
  const final =
    finalStatus === 'rolled_back' && scope !== 'all' && queue.length === 0 ? 'failed' : finalStatus;
  st.rollback = { queue, finalStatus: final, reason, failures: [] };
  st.reason = reason;
  st.deferred = [];
  setRun(tx, 'rolling_back', reason);
  notify(tx, 'warning', `rolling back ${queue.join(', ') || 'nothing'}: ${reason}`);
  rollbackNext(tx);
}

function rollbackNext(tx: Tx) {
  const rb = tx.state.rollback;
  if (!rb) return;
  for (;;) {
    const name = rb.queue[0];
    if (name === undefined) return endRollback(tx);
    const s = stageRun(tx, name);
    const steps = executorFor(s.strategy).rollback(execContext(tx, name), s.exec);
    s.rollback = { steps, index: 0, failed: [] };
    delete s.waitingFor;
    setStage(tx, name, 'rolling_back', rb.reason);
    const first = steps[0];
    if (first) {
      s.waitingFor = `rolling back: ${first.body.kind}`;
      emitCommand(tx, name, 'rollback', first.step, first.body);
      return;
    }
    finishStageRollback(tx, name);
  }
}

function finishStageRollback(tx: Tx, name: string) {
  const rb = tx.state.rollback;
  const s = stageRun(tx, name);
  const failed = s.rollback?.failed ?? [];
  delete s.waitingFor;
  if (failed.length === 0) {
    s.weight = 0;
    setStage(tx, name, 'rolled_back', 'rollback applied');
  } else {
    s.error = `rollback failed: ${failed.join('; ')}`;
    rb?.failures.push(`${name}: ${failed.join('; ')}`);
    setStage(tx, name, 'failed', s.error);
  }
  rb?.queue.shift();
}

export function rollbackResult(tx: Tx, name: string, step: string, outcome: CommandOutcome) {
  const s = stageRun(tx, name);
  const rb = s.rollback;
  const current = rb?.steps[rb.index];
  if (!rb || !current || current.step !== step) return;
  // a post-rollout webhook only hears of the rollback: its failure is told, the rollback stands
  if (!outcome.ok && current.body.kind === 'call_webhook')
    notify(
      tx,
      'warning',
      `${current.body.hook} webhook "${current.body.name}" failed: ${outcome.error ?? 'unknown'}`,
      name,
    );
  else if (!outcome.ok) rb.failed.push(`${current.body.kind}: ${outcome.error ?? 'unknown'}`);
  rb.index += 1;
  const next = rb.steps[rb.index];
  if (next) {
    s.waitingFor = `rolling back: ${next.body.kind}`;
    emitCommand(tx, name, 'rollback', next.step, next.body);
    return;
  }
  finishStageRollback(tx, name);
  rollbackNext(tx);
}

function endRollback(tx: Tx) {
  const st = tx.state;
  const rb = st.rollback;
  if (!rb) return;
  const status = rb.failures.length > 0 ? 'failed' : rb.finalStatus;
  const reason =
    rb.failures.length > 0 ? `${rb.reason}; rollback failed for ${rb.failures.join(', ')}` : rb.reason;
  st.endedAt = tx.now;
  st.reason = reason;
  setRun(tx, status, reason);
  notify(
    tx,
    status === 'failed' ? 'error' : 'warning',
    `rollout ${st.plan.name} ${st.plan.version} ${status}: ${reason}`,
  );
}
