/** One transition in progress: a draft state plus the commands and records it produces. */

import type { Command, CommandBody } from '../commands.js';
import type { CheckRecord } from '../executors/common.js';
import type { Emit, ExecContext } from '../executors/types.js';
import type { Stage, Strategy } from '../plan/plan-schema.js';
import {
  type Route,
  type RunState,
  type RunStatus,
  type StageRun,
  type StageStatus,
  weightsOf,
} from '../state.js';

/** A line of the run's history: who moved from what to what, and why. */
export interface TransitionRecord {
  at: number;
  /** null for the run itself. */
  stage: string | null;
  from: string;
  to: string;
  reason: string;
  weights: Record<string, number>;
  /** For a metric check: what each metric read and what the analysis decided. */
  check?: CheckRecord;
}

/** How an executor step's `noted` reads in the run's history (explain tells it as it is). */
export const NOTED = 'noted: ';

export interface Tx {
  state: RunState;
  now: number;
  commands: Command[];
  records: TransitionRecord[];
  /** Events that changed nothing, and why (a refused approval, a late result). */
  notes: string[];
}

export const ACTIVE: ReadonlySet<StageStatus> = new Set(['gating', 'running', 'verifying', 'finishing']);

export function stageRun(tx: Tx, name: string): StageRun {
  const s = tx.state.stages[name];
  if (!s) throw new Error(`unknown stage ${name}`);
  return s;
}

export function stageDef(tx: Tx, name: string): Stage {
  const s = tx.state.plan.stages.find((x) => x.name === name);
  if (!s) throw new Error(`unknown stage ${name}`);
  return s;
}

export function execContext(tx: Tx, name: string): ExecContext<Strategy> {
  const run = stageRun(tx, name);
  return {
    runId: tx.state.runId,
    stage: stageDef(tx, name),
    version: tx.state.plan.version,
    attempt: run.attempt,
    now: tx.now,
    timeScale: tx.state.timeScale,
  } as ExecContext<Strategy>;
}

function prefix(tx: Tx, stage: string | null): string {
  if (stage === null) return `${tx.state.runId}/run`;
  return `${tx.state.runId}/${stage}#${stageRun(tx, stage).attempt}`;
}

export function record(
  tx: Tx,
  stage: string | null,
  from: string,
  to: string,
  reason: string,
  check?: CheckRecord,
): void {
  const r: TransitionRecord = { at: tx.now, stage, from, to, reason, weights: weightsOf(tx.state) };
  if (check) r.check = check;
  tx.records.push(r);
}

export function setStage(tx: Tx, name: string, to: StageStatus, reason: string): void {
  const s = stageRun(tx, name);
  if (s.status === to) return;
  const from = s.status;
  s.status = to;
  record(tx, name, from, to, reason);
}

export function setRun(tx: Tx, to: RunStatus, reason: string): void {
  const from = tx.state.status;
  if (from === to) return;
  tx.state.status = to;
  record(tx, null, from, to, reason);
}

export function emitCommand(
  tx: Tx,
  stage: string | null,
  owner: Route['owner'],
  step: string,
  body: CommandBody,
): string {
  const opId = `${prefix(tx, stage)}/${step}/${body.kind}`;
  if (body.kind === 'measure') {
    const check = { thresholds: body.thresholds, windowSeconds: body.windowSeconds };
    tx.state.pending[opId] = { stage, owner, step, check };
  } else if (body.kind !== 'notify') tx.state.pending[opId] = { stage, owner, step };
  tx.commands.push({ ...body, opId, stage } as Command);
  return opId;
}

export function emitTimer(
  tx: Tx,
  stage: string | null,
  owner: Route['owner'],
  step: string,
  dueAt: number,
  purpose: string,
): void {
  const timerId = `${prefix(tx, stage)}/${step}`;
  tx.state.timers[timerId] = { stage, owner, step, dueAt, purpose };
  tx.commands.push({
    kind: 'schedule_timer',
    opId: `${timerId}/schedule_timer`,
    stage,
    timerId,
    dueAt,
    purpose,
  });
}

export function emit(tx: Tx, stage: string, owner: Route['owner'], e: Emit): void {
  if ('timer' in e) emitTimer(tx, stage, owner, e.step, e.timer.dueAt, e.timer.purpose);
  else emitCommand(tx, stage, owner, e.step, e.body);
}

export function cancelTimers(tx: Tx, match: (r: Route) => boolean): void {
  for (const [timerId, t] of Object.entries(tx.state.timers)) {
    if (!match(t)) continue;
    delete tx.state.timers[timerId];
    tx.commands.push({ kind: 'cancel_timer', opId: `${timerId}/cancel_timer`, stage: t.stage, timerId });
  }
}

/** Forget ops whose results no longer matter (a late result is then ignored). */
export function dropPending(tx: Tx, match: (r: Route) => boolean): void {
  for (const [opId, r] of Object.entries(tx.state.pending)) if (match(r)) delete tx.state.pending[opId];
}

export function notify(
  tx: Tx,
  level: 'info' | 'warning' | 'error',
  message: string,
  stage: string | null = null,
) {
  tx.state.notices += 1;
  tx.commands.push({
    kind: 'notify',
    opId: `${tx.state.runId}/notify/${tx.state.notices}`,
    stage,
    level,
    message,
  });
}
