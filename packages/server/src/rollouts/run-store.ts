import type { RunAuthority } from './run-authority.js';

/** Where rollout runs live: the run row, its events, its commands by op id, its timers and locks. */
export interface RunRecord {
  id: string;
  rollout: string;
  environment: string;
  rolloutVersion: number;
  status: string;
  plan: unknown;
  state: unknown;
  seq: number;
  startedBy: string;
  /** The starter's scopes, recorded with the run (run-authority.ts). */
  authority: RunAuthority;
  startedAt: string;
  updatedAt: string;
}

export interface EventRecord {
  runId: string;
  seq: number;
  at: number;
  actor: string;
  event: unknown;
  transitions: unknown[];
}

export interface OpRecord {
  opId: string;
  runId: string;
  seq: number;
  command: unknown;
  status: 'pending' | 'done';
  result: unknown;
}

export interface RunMove {
  runId: string;
  /** The seq the run must still be at. */
  seq: number;
  state: unknown;
  status: string;
  at: string;
}

export interface TimerKey {
  runId: string;
  timerId: string;
}

export interface TimerRecord extends TimerKey {
  dueAt: number;
  purpose: string;
}

export interface RunStore {
  /** Inserts runs with the locks they take; returns the locks another run held already, and by whom. */
  insertRuns(runs: { run: RunRecord; locks: string[] }[]): Promise<{ resource: string; runId: string }[]>;
  /** Which of these resources are locked, and by which run. */
  locksOn(resources: string[]): Promise<{ resource: string; runId: string }[]>;
  getRun(id: string): Promise<RunRecord | null>;
  /** The runs of these ids that exist, in no particular order. */
  getRuns(ids: string[]): Promise<RunRecord[]>;
  listRuns(filter: {
    environment?: string | undefined;
    rollout?: string | undefined;
    active?: boolean | undefined;
    limit: number;
  }): Promise<RunRecord[]>;
  /** Moves each run to `seq + 1` with its new state, only if it is still at `seq`; returns those moved. */
  advanceRuns(moves: RunMove[]): Promise<string[]>;
  appendEvents(events: EventRecord[]): Promise<void>;
  events(runId: string): Promise<EventRecord[]>;
  /** Inserts ops; an op id stored already is left as it is. */
  insertOps(ops: OpRecord[]): Promise<void>;
  /** Records the results of pending ops; returns the ids of those that were pending (not unknown, not answered already). */
  completeOps(results: { opId: string; result: unknown }[]): Promise<string[]>;
  pendingOps(runId: string): Promise<OpRecord[]>;
  getOp(opId: string): Promise<OpRecord | null>;
  /** Stores timers, replacing any of the same run and id. */
  upsertTimers(timers: TimerRecord[]): Promise<void>;
  /** Deletes these timers; returns those this call removed (so exactly one caller fires each). */
  takeTimers(timers: TimerKey[]): Promise<TimerKey[]>;
  /** Deletes every timer of these runs. */
  deleteTimersOf(runIds: string[]): Promise<void>;
  dueTimers(now: number, limit: number): Promise<{ runId: string; timerId: string; dueAt: number }[]>;
  nextTimerDue(): Promise<number | null>;
  releaseLocksOf(runIds: string[]): Promise<void>;
}
