/**
 * Group commit for the rollout runtime: work submitted while earlier transactions are being
 * written waits and joins the next one, so under load the events of many runs share one commit
 * (one WAL append on SQLite, one flush on PostgreSQL) and, through the batch's context, a few
 * multi-row statements. Nothing changes for a caller: its promise settles after the transaction
 * holding its writes has committed, so whatever it does next (running commands) still happens
 * after its event is stored. Each piece sees the writes of those before it in the batch; if one
 * fails, the batch rolls back and every piece runs again in a transaction of its own, so only
 * the failing one fails.
 */
import type { Transaction } from 'kysely';
import { type Executor, inTransaction } from '../storage/index.js';
import type { Database } from '../storage/schema.js';

/** What a batch shares: opened in its transaction before the work, closed after it. */
export interface BatchContext<K, C> {
  /** `keys` say what the batch's work is about, for reads and guards done once for all. */
  open(trx: Transaction<Database>, keys: K[]): Promise<C>;
  /** Writes what the work deferred; the last thing before the commit. */
  close(context: C): Promise<void>;
}

export interface GroupCommitOptions<K, C> {
  /** Most pieces of work in one transaction. */
  maxBatch: number;
  /** Most transactions open at once; more work waits and forms the next batch. */
  maxConcurrent: number;
  context: BatchContext<K, C>;
}

interface Pending<K, C> {
  key: K | null;
  work: (context: C) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class GroupCommit<K, C> {
  private readonly queue: Pending<K, C>[] = [];
  private open = 0;
  private pumping = false;

  constructor(
    private readonly db: Executor,
    private readonly options: GroupCommitOptions<K, C>,
  ) {}

  /** Runs `work` in a transaction, possibly shared; settles after the commit. */
  run<T>(key: K | null, work: (context: C) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending<K, C> = { key, work, resolve: resolve as (v: unknown) => void, reject };
      if (this.db.isTransaction) return void this.alone(pending); // the caller's: never shared
      this.queue.push(pending);
      if (!this.pumping) {
        this.pumping = true;
        queueMicrotask(() => this.pump()); // work submitted in the same turn joins the batch
      }
    });
  }

  private pump(): void {
    this.pumping = false;
    while (this.open < this.options.maxConcurrent && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.open += 1;
      void this.commit(batch).finally(() => {
        this.open -= 1;
        this.pump();
      });
    }
  }

  private async commit(batch: Pending<K, C>[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0]!);
    let results: unknown[];
    try {
      results = await this.transaction(batch);
    } catch {
      // someone's work failed and took the batch with it: each again on its own
      await Promise.all(batch.map((p) => this.alone(p)));
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(results[i]);
  }

  private alone(p: Pending<K, C>): Promise<void> {
    return this.transaction([p]).then(([result]) => p.resolve(result), p.reject);
  }

  private transaction(batch: Pending<K, C>[]): Promise<unknown[]> {
    const keys = batch.flatMap((p) => (p.key === null ? [] : [p.key]));
    return inTransaction(this.db, async (trx) => {
      const context = await this.options.context.open(trx, keys);
      const out: unknown[] = [];
      for (const p of batch) out.push(await p.work(context));
      await this.options.context.close(context);
      return out;
    });
  }
}
