/**
 * Puts notices in the outbox inside the transaction of what they announce: one row per notice
 * and Notifier that wants it. Rows are keyed by notice id and notifier, so an event replayed
 * after a crash adds nothing.
 */

import { createResourceStore } from '../resources/resource-store.kysely.js';
import type { RunObserver } from '../rollouts/run-journal.js';
import type { Executor } from '../storage/index.js';
import { type Notice, noticesOf } from './notices.js';
import { type NotifierSpec, wants } from './notifier.kind.js';
import { createOutboxStore } from './outbox-store.kysely.js';

export async function enqueueNotices(trx: Executor, notices: readonly Notice[], now: Date): Promise<number> {
  if (!notices.length) return 0;
  const notifiers = await createResourceStore(trx).list('Notifier', null, { limit: 1000 });
  const at = now.toISOString();
  const rows = notices.flatMap((notice) =>
    notifiers
      .filter((n) => wants(n.spec as NotifierSpec, notice.event, notice.environment))
      .map((n) => ({
        key: `${notice.id}.${n.metadata.name}`,
        notifier: n.metadata.name,
        event: notice.event,
        environment: notice.environment,
        payload: JSON.stringify(notice),
        status: 'pending' as const,
        attempts: 0,
        nextAt: at,
        lastError: null,
        createdAt: at,
        deliveredAt: null,
      })),
  );
  await createOutboxStore(trx).enqueue(rows);
  return rows.length;
}

/** The rollout runtime's observer: each stored event's notices go to the outbox with it. */
export function outboxObserver(now: () => Date): RunObserver {
  return async (trx, entries) => {
    await enqueueNotices(trx, entries.flatMap(noticesOf), now());
  };
}
