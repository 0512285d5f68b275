/**
 * The pure rollout state machine: `transition(state, event, now) → {state, commands}`.
 * Nothing here performs I/O; the runtime persists the event, applies the commands (skipping op
 * ids it has applied before) and feeds results back as events. Terminal states are final.
 */
import type { Command } from '../commands.js';
import { type EventOf, parseEvent, type RolloutEvent, type RolloutEventInput } from '../events.js';
import { executorFor } from '../executors/index.js';
import { gateApprove, gateReject, gateResult, gateTimer } from '../gates.js';
import { paceLabel, planned } from '../pace.js';
import type { Plan } from '../plan/plan-schema.js';
import { isTerminal, newRun, type RunState } from '../state.js';
import { recordChecks } from './checks.js';
import { guardResult, guardTimer } from './guard.js';
import { beginRollback, rollbackResult } from './rollback.js';
import { applyExecStep, applyGateStep, finishExec, gateContext, schedule, succeed } from './stages.js';
import {
  ACTIVE,
  cancelTimers,
  dropPending,
  emitTimer,
  execContext,
  notify,
  record,
  setRun,
  setStage,
  stageDef,
  stageRun,
  type TransitionRecord,
  type Tx,
} from './tx.js';

export interface TransitionResult {
  state: RunState;
  commands: Command[];
  transitions: TransitionRecord[];
  notes: string[];
}

/** Events held while a run is paused (controls and the watchdog act at once). */
const DEFERRED_WHEN_PAUSED = new Set([
  'command_result',
  'timer_fired',
  'approve',
  'reject',
  'promote',
  'retry',
]);

export function transition(
  state: RunState,
  input: RolloutEventInput | RolloutEvent,
  now: number,
): TransitionResult {
  if (!Number.isFinite(now)) throw new Error('transition needs a finite `now` (epoch milliseconds)');
  const event = parseEvent(input);
  if (isTerminal(state.status)) {
    return { state, commands: [], transitions: [], notes: [`run is ${state.status}; ${event.type} ignored`] };
  }
  const tx: Tx = { state: structuredClone(state), now, commands: [], records: [], notes: [] };
  dispatch(tx, event);
  return { state: tx.state, commands: tx.commands, transitions: tx.records, notes: tx.notes };
}

/** A new run of `plan`, started: the first transition's result. */
export function startRun(
  plan: Plan,
  opts: { runId: string; startedBy: string; timeScale?: number | undefined },
  now: number,
): TransitionResult {
  const event: RolloutEventInput = { type: 'run_started', startedBy: opts.startedBy };
  if (opts.timeScale !== undefined && opts.timeScale !== 1) event.timeScale = opts.timeScale;
  return transition(newRun(opts.runId, plan), event, now);
}

/** One stored event of a run's history and the time it was applied. */
export interface HistoryEntry {
  at: number;
  event: RolloutEventInput | RolloutEvent;
}

/**
 * Rebuilds a run's state from its stored events (the first being `run_started`): what a
 * control plane does after a restart. Commands are not returned: they were applied already.
 */
export function replay(runId: string, plan: Plan, history: readonly HistoryEntry[]): RunState {
  let state = newRun(runId, plan);
  for (const { at, event } of history) state = transition(state, event, at).state;
  return state;
}

function dispatch(tx: Tx, ev: RolloutEvent) {
  const st = tx.state;
  if (isTerminal(st.status)) return void tx.notes.push(`run is ${st.status}; ${ev.type} ignored`);
  if (
    st.status === 'pending' &&
    ev.type !== 'run_started' &&
    ev.type !== 'abort' &&
    ev.type !== 'emergency'
  ) {
    return void tx.notes.push(`run has not started; ${ev.type} ignored`);
  }
  if (st.status === 'paused' && DEFERRED_WHEN_PAUSED.has(ev.type) && !isWatchdogTimer(tx, ev)) {
    st.deferred.push(ev);
    tx.notes.push(`run is paused; ${ev.type} held until resume`);
    return;
  }
  switch (ev.type) {
    case 'run_started':
      return onStart(tx, ev);
    case 'command_result':
      return onResult(tx, ev);
    case 'timer_fired':
      return onTimer(tx, ev);
    case 'approve':
    case 'reject':
      return onVerdict(tx, ev);
    case 'pause':
      if (st.status !== 'running' && st.status !== 'blocked')
        return void tx.notes.push(`cannot pause a ${st.status} run`);
      st.pausedFrom = st.status;
      if (ev.reason) st.reason = ev.reason;
      setRun(tx, 'paused', ev.reason ?? `paused by ${ev.subject ?? 'operator'}`);
      return;
    case 'resume':
      return onResume(tx);
    case 'abort':
      return endEarly(tx, 'aborted', ev.reason);
    case 'emergency':
      return endEarly(tx, 'rolled_back', `emergency: ${ev.reason}`);
    case 'watchdog':
      return onWatchdog(tx);
    case 'breach':
      return onBreach(tx, ev);
    case 'promote':
      return onPromote(tx, ev);
    case 'retry':
      return onRetry(tx, ev);
  }
}

function isWatchdogTimer(tx: Tx, ev: RolloutEvent): boolean {
  return ev.type === 'timer_fired' && tx.state.timers[ev.timerId]?.owner === 'watchdog';
}

function onStart(tx: Tx, ev: EventOf<'run_started'>) {
  const st = tx.state;
  if (st.status !== 'pending') return void tx.notes.push('run already started');
  st.startedAt = tx.now;
  st.startedBy = ev.startedBy;
  if (ev.timeScale !== undefined && ev.timeScale !== 1) st.timeScale = ev.timeScale;
  const pace = paceLabel(st);
  setRun(tx, 'running', `started by ${ev.startedBy}${pace ? ` (${pace})` : ''}`);
  const limit = planned(st, st.plan.max_duration_hours * 3_600_000);
  emitTimer(tx, null, 'watchdog', 'watchdog', tx.now + limit, 'max_duration_hours watchdog');
  notify(tx, 'info', `rollout ${st.plan.name} ${st.plan.version} started by ${ev.startedBy}`);
  schedule(tx);
}

function onResult(tx: Tx, ev: EventOf<'command_result'>) {
  const route = tx.state.pending[ev.opId];
  if (!route) return void tx.notes.push(`no command waits for ${ev.opId}; result ignored`);
  delete tx.state.pending[ev.opId];
  const outcome = { ok: ev.ok, data: ev.data, ...(ev.error === undefined ? {} : { error: ev.error }) };
  if (route.owner === 'guard') return guardResult(tx, outcome, succeed);
  const name = route.stage;
  if (name === null) return;
  const s = stageRun(tx, name);
  if (route.owner === 'rollback') return rollbackResult(tx, name, route.step, outcome);
  if (route.owner === 'gate' && s.gate) {
    const gate = stageDef(tx, name).gates[s.gate.index];
    if (!gate) return;
    applyGateStep(tx, name, gateResult(gateContext(tx, name, gate), s.gate, route.step, outcome));
    return recordChecks(tx, name, route, outcome);
  }
  if (route.owner === 'exec' && (s.status === 'running' || s.status === 'finishing')) {
    applyExecStep(
      tx,
      name,
      executorFor(s.strategy).onResult(execContext(tx, name), s.exec, route.step, outcome),
    );
    recordChecks(tx, name, route, outcome);
  }
}

function onTimer(tx: Tx, ev: EventOf<'timer_fired'>) {
  const t = tx.state.timers[ev.timerId];
  if (!t) return void tx.notes.push(`timer ${ev.timerId} is not set; ignored`);
  delete tx.state.timers[ev.timerId];
  if (t.owner === 'watchdog') return onWatchdog(tx);
  if (t.owner === 'guard') return guardTimer(tx);
  const name = t.stage;
  if (name === null) return;
  const s = stageRun(tx, name);
  if (t.owner === 'gate' && s.gate) {
    const gate = stageDef(tx, name).gates[s.gate.index];
    if (gate) applyGateStep(tx, name, gateTimer(gateContext(tx, name, gate), s.gate, t.step));
    return;
  }
  if (t.owner === 'exec' && (s.status === 'running' || s.status === 'finishing')) {
    applyExecStep(tx, name, executorFor(s.strategy).onTimer(execContext(tx, name), s.exec, t.step));
  }
}

/** A reading pushed between checks: only a decisive failure of a running step acts on it. */
function onBreach(tx: Tx, ev: EventOf<'breach'>) {
  const s = tx.state.stages[ev.stage];
  if (tx.state.status !== 'running' || s?.status !== 'running') {
    return void tx.notes.push(`stage ${ev.stage} is not running; breach reading ignored`);
  }
  const exec = executorFor(s.strategy);
  if (!exec.onBreach) return void tx.notes.push(`a ${s.strategy} stage is not watched between checks`);
  const outcome = { ok: true, data: ev.data };
  const step = exec.onBreach(execContext(tx, ev.stage), s.exec, outcome, ev.looks);
  if (!step.signal) return void tx.notes.push('reading not decisive; the scheduled checks go on');
  applyExecStep(tx, ev.stage, step);
}

function onVerdict(tx: Tx, ev: EventOf<'approve'> | EventOf<'reject'>) {
  const s = tx.state.stages[ev.stage];
  const gate = s?.gate ? stageDef(tx, ev.stage).gates[s.gate.index] : undefined;
  if (!s?.gate || !gate || tx.state.status !== 'running') {
    return void tx.notes.push(`stage ${ev.stage} is not waiting at a gate; ${ev.type} ignored`);
  }
  const ctx = gateContext(tx, ev.stage, gate);
  const step = ev.type === 'approve' ? gateApprove(ctx, s.gate, ev) : gateReject(s.gate, ev);
  applyGateStep(tx, ev.stage, step);
}

function onResume(tx: Tx) {
  const st = tx.state;
  if (st.status === 'paused') {
    setRun(tx, st.pausedFrom ?? 'running', 'resumed');
    delete st.pausedFrom;
    delete st.reason;
    const held = st.deferred;
    st.deferred = [];
    for (const ev of held) dispatch(tx, ev);
    return;
  }
  if (st.status !== 'running') return void tx.notes.push(`cannot resume a ${st.status} run`);
  // Not paused: resume continues stages held at an untimed pause step.
  for (const name of st.order) {
    const s = stageRun(tx, name);
    if (s.status === 'running')
      applyExecStep(tx, name, executorFor(s.strategy).resume(execContext(tx, name), s.exec));
  }
}

function endEarly(tx: Tx, status: 'aborted' | 'rolled_back', reason: string) {
  const st = tx.state;
  if (st.status === 'rolling_back') return void tx.notes.push('already rolling back');
  if (st.status === 'pending') {
    for (const n of st.order) setStage(tx, n, 'cancelled', reason);
    st.endedAt = tx.now;
    st.reason = reason;
    return setRun(tx, status, reason);
  }
  beginRollback(tx, 'all', status, reason);
}

function onWatchdog(tx: Tx) {
  const st = tx.state;
  if (st.status === 'pending' || st.status === 'rolling_back') return;
  beginRollback(tx, 'all', 'failed', `max_duration_hours (${st.plan.max_duration_hours}h) exceeded`);
}

function onPromote(tx: Tx, ev: EventOf<'promote'>) {
  const st = tx.state;
  if (st.status !== 'running') return void tx.notes.push(`cannot promote a ${st.status} run`);
  const names = ev.stage ? [ev.stage] : st.order.filter((n) => ACTIVE.has(stageRun(tx, n).status));
  for (const name of names) {
    const s = st.stages[name];
    if (!s) {
      tx.notes.push(`unknown stage ${name}`);
      continue;
    }
    const exec = executorFor(s.strategy);
    // Promote skips waits and metric checks, never a human decision.
    const atApproval = s.status === 'verifying' && s.gate?.type === 'manual';
    const canPromote =
      (s.status === 'verifying' && !atApproval) || (s.status === 'running' && exec.promotable(s.exec));
    if (!canPromote) {
      tx.notes.push(
        `stage ${name} cannot be promoted while ${s.status}${s.waitingFor ? ` (${s.waitingFor})` : ''}`,
      );
      continue;
    }
    const ofStage = (r: { stage: string | null }) => r.stage === name;
    cancelTimers(tx, ofStage);
    dropPending(tx, ofStage);
    delete s.gate;
    s.promoted = true;
    record(tx, name, s.status, s.status, `promoted by ${ev.subject ?? 'operator'}`);
    finishExec(tx, name);
  }
}

function onRetry(tx: Tx, ev: EventOf<'retry'>) {
  const st = tx.state;
  const s = st.stages[ev.stage];
  if (s?.status !== 'failed' || (st.status !== 'running' && st.status !== 'blocked')) {
    return void tx.notes.push(`stage ${ev.stage} is not a failed stage of a live run; retry ignored`);
  }
  s.attempt += 1;
  delete s.error;
  delete s.gate;
  delete s.checks;
  delete s.checkedAt;
  s.promoted = false;
  setStage(tx, ev.stage, 'pending', `retry (attempt ${s.attempt}) by ${ev.subject ?? 'operator'}`);
  if (st.status === 'blocked') {
    delete st.reason;
    setRun(tx, 'running', `stage ${ev.stage} retried`);
  }
  schedule(tx);
}
