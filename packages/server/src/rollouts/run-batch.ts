/**
 * One transaction's worth of rollout events, for the group commit, written in a handful of
 * statements however many runs it holds. When it opens: the runs are read in one query, and the
 * guards run in one statement each — the timers being fired are deleted (a timer another process
 * deleted first is not fired here) and the ops being answered are completed (an op answered
 * already is not answered again). Before the commit: every run is advanced in one statement, only
 * if it is still at the seq it was read at (else the whole batch fails, and each event is applied
 * again alone), then events, op rows and timers are written in one insert each. Locks, timer
 * cancellations and the end of a run are written at once, in order. Nothing written here is read
 * by another event of the same batch: one batch holds at most one event per run.
 */
import type { Executor } from '../storage/index.js';
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

const timerKey = (t: TimerKey) => `${t.runId}\u0000${t.timerId}`;

export class RunBatch {
  readonly store: RunStore;
  private readonly runs = new Map<string, RunRecord>();
  private readonly taken = new Set<string>();
  private readonly fresh = new Set<Settles>();
  private readonly moves: RunMove[] = [];
  /** What each move applies, for the error when the run moved on meanwhile. */
  private readonly applying = new Map<string, string>();
  private readonly events: EventRecord[] = [];
  private readonly ops: OpRecord[] = [];
  private readonly timers = new Map<string, TimerRecord>();

  private constructor(trx: Executor) {
    this.store = createRunStore(trx);
  }

  /** Opens a batch in `trx` for these events: reads their runs, takes their timers and ops. */
  static async open(trx: Executor, settles: Settles[]): Promise<RunBatch> {
    const batch = new RunBatch(trx);
    const { store } = batch;
    if (!settles.length) return batch;
    for (const run of await store.getRuns([...new Set(settles.map((s) => s.runId))]))
      batch.runs.set(run.id, run);
    const fired = new Set(
      (
        await store.takeTimers(
          settles.flatMap((s) => (s.timerId ? [{ runId: s.runId, timerId: s.timerId }] : [])),
        )
      ).map(timerKey),
    );
    const answered = new Set(
      await store.completeOps(
        settles.flatMap((s) => (s.opId ? [{ opId: s.opId, result: s.outcome ?? null }] : [])),
      ),
    );
    for (const s of settles) {
      if (s.timerId && !fired.has(timerKey({ runId: s.runId, timerId: s.timerId }))) continue;
      if (s.opId && !answered.has(s.opId)) continue;
      batch.fresh.add(s);
    }
    return batch;
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

  /** Moves the run on, checked before the commit: it must still be at `move.seq` then. */
  advance(move: RunMove, applying: string): void {
    this.moves.push(move);
    this.applying.set(move.runId, applying);
  }

  appendEvent(event: EventRecord): void {
    this.events.push(event);
  }

  insertOp(op: OpRecord): void {
    this.ops.push(op);
  }

  scheduleTimer(timer: TimerRecord): void {
    this.timers.set(timerKey(timer), timer);
  }

  async cancelTimer(timer: TimerKey): Promise<void> {
    this.timers.delete(timerKey(timer));
    await this.store.deleteTimer(timer.runId, timer.timerId);
  }

  /** A run ended: its locks go, and its timers with them. */
  async endRun(runId: string): Promise<void> {
    for (const [key, t] of this.timers) if (t.runId === runId) this.timers.delete(key);
    await this.store.releaseLocks(runId);
    await this.store.deleteTimers(runId);
  }

  /** Writes what was deferred; returns the runs that moved on meanwhile (then nothing is written). */
  async close(): Promise<{ runId: string; applying: string }[]> {
    const moved = new Set(await this.store.advanceRuns(this.moves));
    const stale = this.moves
      .filter((m) => !moved.has(m.runId))
      .map((m) => ({ runId: m.runId, applying: this.applying.get(m.runId) ?? 'an event' }));
    if (stale.length) return stale;
    await this.store.appendEvents(this.events);
    await this.store.insertOps(this.ops);
    await this.store.upsertTimers([...this.timers.values()]);
    return [];
  }
}
