/** Where notices wait to be sent. One implementation over Kysely serves SQLite and PostgreSQL. */

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  /** The idempotency key the receiver sees: `<notice id>.<notifier>`. */
  key: string;
  notifier: string;
  event: string;
  environment: string;
  /** The notice, JSON. */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  /** ISO time before which it is not tried (backoff). */
  nextAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface OutboxCounts {
  pending: number;
  delivered: number;
  dead: number;
}

export interface OutboxStore {
  /** Adds rows; a key already there is left as it is (a replayed event adds nothing). */
  enqueue(rows: readonly OutboxRow[]): Promise<void>;
  /**
   * Claims up to `limit` due rows until `until`: a row another replica holds is skipped, and a
   * claim that ran out (its replica died) is taken over. Returns what this caller now holds.
   */
  claimDue(now: string, until: string, limit: number): Promise<OutboxRow[]>;
  delivered(key: string, at: string): Promise<void>;
  /** Records a failed try: due again at `nextAt`, or dead. */
  failed(
    key: string,
    update: { attempts: number; nextAt: string; error: string; dead: boolean },
  ): Promise<void>;
  counts(notifier?: string): Promise<OutboxCounts>;
  /** Deletes delivered and dead rows created before `before` (retention); how many went. */
  prune(before: string): Promise<number>;
  /** The latest rows of a notifier (any status), newest first. */
  recent(notifier: string, limit: number, status?: OutboxStatus): Promise<OutboxRow[]>;
}
