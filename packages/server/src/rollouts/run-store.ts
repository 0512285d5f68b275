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

export interface RunStore {
  /** Inserts a run and takes its locks; returns the run holding a lock that was taken already. */
  insertRun(
    run: RunRecord,
    locks: string[],
  ): Promise<{ lockedBy: { resource: string; runId: string } | null }>;
  getRun(id: string): Promise<RunRecord | null>;
  /** The runs of these ids that exist, in no particular order. */
  getRuns(ids: string[]): Promise<RunRecord[]>;
  listRuns(filter: {
    environment?: string | undefined;
    rollout?: string | undefined;
    active?: boolean | undefined;
    limit: number;
  }): Promise<RunRecord[]>;
  /** Moves the run to `seq + 1` with its new state, only if it is still at `seq`. */
  advance(runId: string, seq: number, state: unknown, status: string, at: string): Promise<boolean>;
  appendEvents(events: EventRecord[]): Promise<void>;
  events(runId: string): Promise<EventRecord[]>;
  /** Inserts ops; an op id stored already is left as it is. */
  insertOps(ops: OpRecord[]): Promise<void>;
  /** Records a pending op's result; false when the op is unknown or was answered already. */
  completeOp(opId: string, result: unknown): Promise<boolean>;
  pendingOps(runId: string): Promise<OpRecord[]>;
  getOp(opId: string): Promise<OpRecord | null>;
  upsertTimer(runId: string, timerId: string, dueAt: number, purpose: string): Promise<void>;
  /** True when this call removed the timer (so exactly one caller fires it). */
  deleteTimer(runId: string, timerId: string): Promise<boolean>;
  deleteTimers(runId: string): Promise<void>;
  dueTimers(now: number, limit: number): Promise<{ runId: string; timerId: string; dueAt: number }[]>;
  nextTimerDue(): Promise<number | null>;
  releaseLocks(runId: string): Promise<void>;
}
