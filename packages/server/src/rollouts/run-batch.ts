/**
 * One transaction's worth of rollout writes, for the group commit: the runs its events apply
 * to are read in one query up front, and the appends (events, op rows) are written in one
 * multi-row insert each just before the commit. Everything else — the guards that make a timer
 * fire once and an op complete once, the optimistic `advance`, timers and locks — runs at once,
 * in order, as before. Appends are only ever read after the commit, so deferring them to the end
 * of the same transaction changes nothing that can be observed.
 */
import type { Executor } from '../storage/index.js';
import type { EventRecord, OpRecord, RunRecord, RunStore } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';

export class RunBatch {
  readonly store: RunStore;
  private readonly runs = new Map<string, RunRecord>();
  private readonly events: EventRecord[] = [];
  private readonly ops: OpRecord[] = [];

  private constructor(trx: Executor) {
    this.store = createRunStore(trx);
  }

  /** Opens a batch in `trx`, reading the runs named (those the batch's events apply to). */
  static async open(trx: Executor, runIds: string[]): Promise<RunBatch> {
    const batch = new RunBatch(trx);
    if (runIds.length) for (const run of await batch.store.getRuns(runIds)) batch.runs.set(run.id, run);
    return batch;
  }

  /** The run as this transaction sees it (read up front once; again from the table after). */
  async run(id: string): Promise<RunRecord | null> {
    const read = this.runs.get(id);
    if (!read) return this.store.getRun(id);
    this.runs.delete(id);
    return read;
  }

  appendEvent(event: EventRecord): void {
    this.events.push(event);
  }

  insertOp(op: OpRecord): void {
    this.ops.push(op);
  }

  /** Writes the deferred appends; called once, before the commit. */
  async close(): Promise<void> {
    await this.store.appendEvents(this.events);
    await this.store.insertOps(this.ops);
  }
}
