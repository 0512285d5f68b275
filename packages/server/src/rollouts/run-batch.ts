/**
 * One transaction's worth of rollout events, for the group commit, written in a handful of
 * statements however many runs it holds. When it opens: the runs are read in one query, the
 * locks new runs want in another, and the guards run in one statement each — the timers being
 * fired are deleted (a timer another process deleted first is not fired here) and the ops being
 * answered are completed (an op answered already is not answered again). Before the commit:
 * every run is advanced in one statement, only if it is still at the seq it was read at (else the
 * whole batch fails, and each event is applied again alone); then new runs and their locks, the
 * deletions (cancelled timers, the timers and locks of runs that ended) and the inserts (events,
 * op rows, timers) go in one statement each, deletions before inserts so a timer cancelled and
 * scheduled again survives. Nothing written here is read by another event of the same batch:
 * one batch holds at most one event per run.
 */
import type { Executor } from '../storage/index.js';
import type { RunJournalEntry } from './run-journal.js';
import type {
  EventRecord,
  OpRecord,
  RunMove,
  RunRecord,
  RunStore,
  TimerKey,
  TimerRecord,
} from './run-store.js';
import { createRunStore } from './run-store.kysely.js';

/** What an event settles, known before it is applied: the timer it fires or the op it answers. */
export interface Settles {
  runId: string;
  timerId?: string | undefined;
  opId?: string | undefined;
  outcome?: unknown;
}

/** A run about to start, and the resources it will lock. */
export interface Starting {
  starting: true;
  locks: string[];
}

export type BatchKey = Settles | Starting;

const timerKey = (t: TimerKey) => `${t.runId}\u0000${t.timerId}`;

export class RunBatch {
  readonly store: RunStore;
  private readonly runs = new Map<string, RunRecord>();
  private readonly taken = new Set<string>();
  private readonly fresh = new Set<Settles>();
  private readonly held = new Map<string, string>();
  private readonly moves: RunMove[] = [];
  /** What each move applies, for the error when the run moved on meanwhile. */
  private readonly applying = new Map<string, string>();
  private readonly started: { run: RunRecord; locks: string[] }[] = [];
  private readonly events: EventRecord[] = [];
  private readonly ops: OpRecord[] = [];
  private readonly timers = new Map<string, TimerRecord>();
  private readonly cancelled: TimerKey[] = [];
  private readonly ended: string[] = [];
  /** The events of this batch as observers see them (run-journal.ts). */
  readonly observed: RunJournalEntry[] = [];

  private constructor(readonly trx: Executor) {
    this.store = createRunStore(trx);
  }

  /** Opens a batch in `trx` for these events and starts: the reads and guards they all need. */
  static async open(trx: Executor, keys: BatchKey[]): Promise<RunBatch> {
    const batch = new RunBatch(trx);
    const { store } = batch;
    const settles = keys.filter((k): k is Settles => 'runId' in k);
    const locks = keys.flatMap((k) => ('starting' in k ? k.locks : []));
    for (const lock of await store.locksOn(locks)) batch.held.set(lock.resource, lock.runId);
    if (!settles.length) return batch;
    for (const run of await store.getRuns([...new Set(settles.map((s) => s.runId))]))
      batch.runs.set(run.id, run);
    const timers = settles.flatMap((s) => (s.timerId ? [{ runId: s.runId, timerId: s.timerId }] : []));
    const fired = new Set((await store.takeTimers(timers)).map(timerKey));
    const ops = settles.flatMap((s) => (s.opId ? [{ opId: s.opId, result: s.outcome ?? null }] : []));
    const answered = new Set(await store.completeOps(ops));
    for (const s of settles) {
      if (s.timerId && !fired.has(timerKey({ runId: s.runId, timerId: s.timerId }))) continue;
      if (s.opId && !answered.has(s.opId)) continue;
      batch.fresh.add(s);
    }
    return batch;
  }

  /** The first of these resources another run holds, when the batch opened. */
  lockedBy(resources: string[]): { resource: string; runId: string } | null {
    for (const resource of resources) {
      const runId = this.held.get(resource);
      if (runId) return { resource, runId };
    }
    return null;
  }

  /** The run as this transaction read it; once per run and batch. */
  run(id: string): RunRecord | undefined {
    if (this.taken.has(id)) throw new Error(`run ${id} has two events in one batch`);
    this.taken.add(id);
    return this.runs.get(id);
  }

  /** False when the timer fired elsewhere already, or the op was answered already. */
  settled(settles: Settles): boolean {
    return this.fresh.has(settles);
  }

  insertRun(run: RunRecord, locks: string[]): void {
    this.started.push({ run, locks });
  }

  /** Moves the run on, checked before the commit: it must still be at `move.seq` then. */
  advance(move: RunMove, applying: string): void {
    this.moves.push(move);
    this.applying.set(move.runId, applying);
  }

  appendEvent(event: EventRecord): void {
    this.events.push(event);
  }

  /** Hands the stored event to the runtime's observers when the batch closes. */
  observe(entry: RunJournalEntry): void {
    this.observed.push(entry);
  }

  insertOp(op: OpRecord): void {
    this.ops.push(op);
  }

  scheduleTimer(timer: TimerRecord): void {
    this.timers.set(timerKey(timer), timer);
  }

  cancelTimer(timer: TimerKey): void {
    this.timers.delete(timerKey(timer));
    this.cancelled.push(timer);
  }

  /** A run ended: its locks go, and its timers with them. */
  endRun(runId: string): void {
    for (const [key, t] of this.timers) if (t.runId === runId) this.timers.delete(key);
    this.ended.push(runId);
  }

  /**
   * Writes what was deferred. Returns, if any, a run that moved on meanwhile or a lock another run
   * took meanwhile: then the batch must not commit.
   */
  async close(): Promise<
    { stale: { runId: string; applying: string } } | { busy: { resource: string; runId: string } } | null
  > {
    const { store } = this;
    const moved = new Set(await store.advanceRuns(this.moves));
    const stale = this.moves.find((m) => !moved.has(m.runId));
    if (stale)
      return { stale: { runId: stale.runId, applying: this.applying.get(stale.runId) ?? 'an event' } };
    const [busy] = await store.insertRuns(this.started);
    if (busy) return { busy };
    await store.takeTimers(this.cancelled);
    await store.deleteTimersOf(this.ended);
    await store.releaseLocksOf(this.ended);
    await store.appendEvents(this.events);
    await store.insertOps(this.ops);
    await store.upsertTimers([...this.timers.values()]);
    return null;
  }
}
