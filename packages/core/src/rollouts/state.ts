/** The state of one run of a plan. Plain JSON, versioned, changed only by `transition`. */

import type { PendingCheck, StageCheck } from './checks.js';
import type { CommandBody } from './commands.js';
import type { RolloutEvent } from './events.js';
import type { Check } from './executors/common.js';
import type { GateProgress } from './gates.js';
import { topoOrder } from './plan/dag.js';
import type { Plan, Strategy } from './plan/plan-schema.js';

export const STATE_SCHEMA_VERSION = 1;

export const terminalStatuses = ['succeeded', 'failed', 'rolled_back', 'aborted'] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];
export type RunStatus =
  | 'pending'
  | 'running'
  | 'paused'
  /** A stage failed without rollback: waits for retry, abort or emergency. */
  | 'blocked'
  | 'rolling_back'
  | TerminalStatus;

export type StageStatus =
  | 'pending'
  /** Entry gates (manual, scheduled). */
  | 'gating'
  /** The executor acts (deploys, shifts, measures). */
  | 'running'
  /** Exit gates (metric, automatic). */
  | 'verifying'
  /** Final moves after the exit gates (100%, retire the old). */
  | 'finishing'
  | 'completed'
  | 'failed'
  | 'rolling_back'
  | 'rolled_back'
  /** Never started, because the run ended first. */
  | 'cancelled';

export interface StageRun {
  name: string;
  strategy: Strategy;
  status: StageStatus;
  /** Starts at 1; `retry` increments it, so op ids of a retried stage are new. */
  attempt: number;
  /** Percent of traffic or flag share the new version has from this stage (0..100). */
  weight: number;
  /** The executor started, so there is something to roll back. */
  acted: boolean;
  promoted: boolean;
  exec?: unknown;
  gate?: GateProgress;
  rollback?: { steps: { step: string; body: CommandBody }[]; index: number; failed: string[] };
  startedAt?: number;
  completedAt?: number;
  error?: string;
  waitingFor?: string;
  /** The latest metric checks (one per metric), when the stage has measured. */
  checks?: StageCheck[];
  /** When those readings came back. */
  checkedAt?: number;
}

/** Who answers a pending op or timer. */
export interface Route {
  stage: string | null;
  owner: 'exec' | 'gate' | 'rollback' | 'watchdog' | 'guard';
  step: string;
  /** For a pending `measure`: what it was asked, so the result's checks can be recorded. */
  check?: PendingCheck;
}

export interface RunState {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  runId: string;
  plan: Plan;
  /** Topological order of stage names. */
  order: string[];
  status: RunStatus;
  startedBy?: string;
  startedAt?: number;
  endedAt?: number;
  /** Set when the run lives faster than its plan (see pace.ts); absent in real time. */
  timeScale?: number;
  reason?: string;
  pausedFrom?: RunStatus;
  stages: Record<string, StageRun>;
  /** Commands sent and not yet answered, by op id. */
  pending: Record<string, Route>;
  /** Timers scheduled and not yet fired or cancelled, by timer id. */
  timers: Record<string, Route & { dueAt: number; purpose: string }>;
  /** Events held while paused, replayed on resume. */
  deferred: RolloutEvent[];
  rollback?: { queue: string[]; finalStatus: TerminalStatus; reason: string; failures: string[] };
  /** The post-release guard, once every stage completed (plan.guard). */
  guard?: GuardRun;
  /** Counts notifications, which have no natural step. */
  notices: number;
}

export interface GuardRun {
  app: string;
  since: number;
  until: number;
  ticks: number;
  /** What the guard's checks carry from one to the next (tallies, α spent, comparison). */
  check?: Check;
  /** The latest checks, as a stage shows them. */
  checks?: StageCheck[];
  checkedAt?: number;
}

export function isTerminal(status: RunStatus): status is TerminalStatus {
  return (terminalStatuses as readonly string[]).includes(status);
}

/** A fresh run in `pending`; feed it `run_started`. */
export function newRun(runId: string, plan: Plan): RunState {
  const order = topoOrder(plan.stages);
  const stages: Record<string, StageRun> = {};
  for (const s of plan.stages) {
    stages[s.name] = {
      name: s.name,
      strategy: s.strategy,
      status: 'pending',
      attempt: 1,
      weight: 0,
      acted: false,
      promoted: false,
    };
  }
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    runId,
    plan,
    order,
    status: 'pending',
    stages,
    pending: {},
    timers: {},
    deferred: [],
    notices: 0,
  };
}

export function weightsOf(state: RunState): Record<string, number> {
  return Object.fromEntries(state.order.map((n) => [n, state.stages[n]?.weight ?? 0]));
}

/** What the run waits for, in words: approvals, schedules, metrics, an operator. */
export function waitingFor(state: RunState): string[] {
  const out: string[] = [];
  if (state.status === 'paused')
    out.push(`run paused${state.reason ? `: ${state.reason}` : ''}; resume to continue`);
  if (state.status === 'blocked')
    out.push(`${state.reason ?? 'a stage failed'}; retry the stage, abort or roll back`);
  for (const name of state.order) {
    const s = state.stages[name];
    if (s?.waitingFor) out.push(`${name}: ${s.waitingFor}`);
  }
  if (state.guard && state.status === 'running')
    out.push(`guard: watching ${state.guard.app} until ${new Date(state.guard.until).toISOString()}`);
  return out;
}
