/** The life of a stage: entry gates → executor → exit gates → finish → completed (or failed). */

import type { CheckRecord } from '../executors/common.js';
import { executorFor } from '../executors/index.js';
import type { ExecStep } from '../executors/types.js';
import { enterGate, type GateContext, type GateStep } from '../gates.js';
import { type Gate, gatePhase } from '../plan/gate-schema.js';
import { startGuard } from './guard.js';
import { beginRollback } from './rollback.js';
import {
  ACTIVE,
  cancelTimers,
  dropPending,
  emit,
  execContext,
  NOTED,
  notify,
  record,
  setRun,
  setStage,
  stageDef,
  stageRun,
  type Tx,
} from './tx.js';

const ofStage = (name: string) => (r: { stage: string | null }) => r.stage === name;

export function gateContext(tx: Tx, name: string, gate: Gate): GateContext {
  return {
    stage: stageDef(tx, name),
    gate,
    startedBy: tx.state.startedBy ?? '',
    now: tx.now,
    timeScale: tx.state.timeScale,
  };
}

/** Start whatever may start; finish the run when everything completed; block when stuck. */
export function schedule(tx: Tx) {
  const st = tx.state;
  for (;;) {
    if (st.status !== 'running') return;
    const runs = st.order.map((n) => stageRun(tx, n));
    const active = runs.filter((s) => ACTIVE.has(s.status));
    const ready = runs.filter(
      (s) =>
        s.status === 'pending' &&
        stageDef(tx, s.name).dependencies.every((d) => stageRun(tx, d).status === 'completed'),
    );
    const sequential = !st.plan.parallel_stages;
    const anyFailed = runs.some((s) => s.status === 'failed');
    if (ready.length === 0 || (sequential && (active.length > 0 || anyFailed))) break;
    for (const s of sequential ? ready.slice(0, 1) : ready) {
      if (st.status === 'running' && s.status === 'pending') startStage(tx, s.name);
    }
  }
  const runs = st.order.map((n) => stageRun(tx, n));
  if (runs.every((s) => s.status === 'completed')) {
    if (st.guard) return; // guarding after the release: the guard's last check succeeds the run
    if (startGuard(tx)) return;
    return succeed(tx);
  }
  if (runs.some((s) => ACTIVE.has(s.status))) return;
  const failed = runs.find((s) => s.status === 'failed');
  if (failed) {
    st.reason = `stage ${failed.name} failed: ${failed.error ?? 'unknown'}`;
    setRun(tx, 'blocked', st.reason);
  }
}

export function succeed(tx: Tx) {
  cancelTimers(tx, () => true);
  tx.state.endedAt = tx.now;
  delete tx.state.reason;
  setRun(tx, 'succeeded', 'every stage completed');
  notify(tx, 'info', `rollout ${tx.state.plan.name} ${tx.state.plan.version} succeeded`);
}

function startStage(tx: Tx, name: string) {
  const s = stageRun(tx, name);
  s.startedAt = tx.now;
  setStage(tx, name, 'gating', 'dependencies completed');
  advanceGates(tx, name, 'entry', 0);
}

/** Enter the next gate of this phase from index `from`, or move on when there is none. */
export function advanceGates(tx: Tx, name: string, phase: 'entry' | 'exit', from: number) {
  const gates = stageDef(tx, name).gates;
  for (let i = from; i < gates.length; i++) {
    const gate = gates[i];
    if (!gate || gatePhase(gate) !== phase) continue;
    applyGateStep(tx, name, enterGate(gateContext(tx, name, gate), phase, i));
    return;
  }
  const s = stageRun(tx, name);
  delete s.gate;
  if (phase === 'entry') startExec(tx, name);
  else finishExec(tx, name);
}

export function applyGateStep(tx: Tx, name: string, step: GateStep) {
  const s = stageRun(tx, name);
  s.gate = step.progress;
  s.waitingFor = step.progress.waitingFor;
  if (step.checked) recordCheck(tx, name, step.checked);
  for (const e of step.emits) emit(tx, name, 'gate', e);
  if (step.refused) tx.notes.push(step.refused);
  if (step.pause) pauseRun(tx, name, step.pause);
  if (!step.verdict) return;
  const isGate = (r: { stage: string | null; owner: string }) => r.stage === name && r.owner === 'gate';
  cancelTimers(tx, isGate);
  dropPending(tx, isGate);
  const { phase, index, type } = step.progress;
  if (step.verdict.type === 'fail') return stageFailed(tx, name, step.verdict.reason);
  record(tx, name, s.status, s.status, `${phase} gate ${index} (${type}) passed: ${step.verdict.reason}`);
  advanceGates(tx, name, phase, index + 1);
}

function startExec(tx: Tx, name: string) {
  const s = stageRun(tx, name);
  s.acted = true;
  setStage(tx, name, 'running', 'entry gates passed');
  const prior = s.exec;
  delete s.exec;
  applyExecStep(tx, name, executorFor(s.strategy).start(execContext(tx, name), prior));
}

export function finishExec(tx: Tx, name: string) {
  const s = stageRun(tx, name);
  setStage(tx, name, 'finishing', s.promoted ? 'promoted' : 'exit gates passed');
  applyExecStep(tx, name, executorFor(s.strategy).finish(execContext(tx, name), s.exec));
}

export function applyExecStep(tx: Tx, name: string, step: ExecStep<unknown>) {
  const s = stageRun(tx, name);
  s.exec = step.exec;
  if (step.checked) recordCheck(tx, name, step.checked);
  if (step.noted) {
    record(tx, name, s.status, s.status, `${NOTED}${step.noted}`);
    notify(tx, 'info', `stage ${name}: ${step.noted}`, name);
  }
  if (step.weight !== undefined) {
    const weight = Math.min(100, Math.max(0, step.weight));
    if (weight !== s.weight) {
      const before = s.weight;
      s.weight = weight;
      record(tx, name, s.status, s.status, `weight ${before}% -> ${weight}%`);
    }
  }
  if (step.waitingFor) s.waitingFor = step.waitingFor;
  else delete s.waitingFor;
  for (const e of step.emits) emit(tx, name, 'exec', e);
  const signal = step.signal;
  if (!signal) return;
  if (signal.type === 'failed') return stageFailed(tx, name, signal.reason);
  if (signal.type === 'completed') return completeStage(tx, name);
  if (signal.type === 'paused') return pauseRun(tx, name, signal.reason);
  if (s.promoted) return finishExec(tx, name);
  setStage(tx, name, 'verifying', 'stage acted; exit gates next');
  advanceGates(tx, name, 'exit', 0);
}

/** A metric check in the run's history, before what it leads to. */
function recordCheck(tx: Tx, name: string, check: CheckRecord) {
  const s = stageRun(tx, name);
  record(tx, name, s.status, s.status, `metric check: ${check.decision}`, check);
}

/** A stage asks a person to decide: the run pauses; its timers are held until `resume`. */
export function pauseRun(tx: Tx, name: string, reason: string) {
  const st = tx.state;
  if (st.status !== 'running') return;
  st.pausedFrom = st.status;
  st.reason = `stage ${name}: ${reason}`;
  notify(tx, 'warning', `stage ${name} paused: ${reason}`, name);
  setRun(tx, 'paused', st.reason);
}

function completeStage(tx: Tx, name: string) {
  const s = stageRun(tx, name);
  cancelTimers(tx, ofStage(name));
  dropPending(tx, ofStage(name));
  s.completedAt = tx.now;
  delete s.waitingFor;
  setStage(tx, name, 'completed', s.promoted ? 'promoted' : 'stage finished');
  schedule(tx);
}

export function stageFailed(tx: Tx, name: string, reason: string) {
  const s = stageRun(tx, name);
  cancelTimers(tx, ofStage(name));
  dropPending(tx, ofStage(name));
  s.error = reason;
  delete s.waitingFor;
  setStage(tx, name, 'failed', reason);
  notify(tx, 'error', `stage ${name} failed: ${reason}`, name);
  if (stageDef(tx, name).rollback_on_failure) {
    beginRollback(tx, { failed: name }, 'rolled_back', `stage ${name} failed: ${reason}`);
  } else {
    schedule(tx);
  }
}
