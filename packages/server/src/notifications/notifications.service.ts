/** What `sluice notifier status` shows: how many notices wait, went out, or died, and why. */
import type { Executor } from '../storage/index.js';
import type { OutboxCounts, OutboxRow } from './outbox-store.js';
import { createOutboxStore } from './outbox-store.kysely.js';

export interface NotifierStatus {
  notifier: string;
  counts: OutboxCounts;
  /** The latest dead letters, newest first. */
  dead: OutboxRow[];
  /** The latest notices of any status, newest first. */
  recent: OutboxRow[];
}

export class NotificationsService {
  constructor(private readonly db: Executor) {}

  async status(notifier: string, limit = 10): Promise<NotifierStatus> {
    const store = createOutboxStore(this.db);
    return {
      notifier,
      counts: await store.counts(notifier),
      dead: await store.recent(notifier, limit, 'dead'),
      recent: await store.recent(notifier, limit),
    };
  }

  /** Notices not yet delivered, across notifiers (the outbox depth). */
  async depth(): Promise<number> {
    return (await createOutboxStore(this.db).counts()).pending;
  }
}
