import type { Executor } from '../storage/index.js';
import type { NotificationOutboxTable } from '../storage/schema.js';
import type { OutboxCounts, OutboxRow, OutboxStatus, OutboxStore } from './outbox-store.js';

const fromRow = (r: NotificationOutboxTable): OutboxRow => ({
  key: r.key,
  notifier: r.notifier,
  event: r.event,
  environment: r.environment,
  payload: r.payload,
  status: r.status as OutboxStatus,
  attempts: r.attempts,
  nextAt: r.next_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export function createOutboxStore(db: Executor): OutboxStore {
  return {
    async enqueue(rows) {
      if (!rows.length) return;
      await db
        .insertInto('sluice_notification_outbox')
        .values(
          rows.map((r) => ({
            key: r.key,
            notifier: r.notifier,
            event: r.event,
            environment: r.environment,
            payload: r.payload,
            status: r.status,
            attempts: r.attempts,
            next_at: r.nextAt,
            claimed_until: null,
            last_error: r.lastError,
            created_at: r.createdAt,
            delivered_at: r.deliveredAt,
          })),
        )
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    },

    async claimDue(now, until, limit) {
      const due = await db
        .selectFrom('sluice_notification_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .orderBy('next_at')
        .orderBy('key')
        .limit(limit)
        .execute();
      const claimed: OutboxRow[] = [];
      for (const row of due) {
        // the claim is the guarded update: of two replicas reading the same row, one updates it
        const res = await db
          .updateTable('sluice_notification_outbox')
          .set({ claimed_until: until })
          .where('key', '=', row.key)
          .where('status', '=', 'pending')
          .where((eb) =>
            row.claimed_until === null
              ? eb('claimed_until', 'is', null)
              : eb('claimed_until', '=', row.claimed_until),
          )
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) claimed.push(fromRow(row));
      }
      return claimed;
    },

    async delivered(key, at) {
      await db
        .updateTable('sluice_notification_outbox')
        .set((eb) => ({
          status: 'delivered',
          delivered_at: at,
          claimed_until: null,
          last_error: null,
          attempts: eb('attempts', '+', 1),
        }))
        .where('key', '=', key)
        .execute();
    },

    async failed(key, update) {
      await db
        .updateTable('sluice_notification_outbox')
        .set({
          status: update.dead ? 'dead' : 'pending',
          attempts: update.attempts,
          next_at: update.nextAt,
          last_error: update.error.slice(0, 1000),
          claimed_until: null,
        })
        .where('key', '=', key)
        .execute();
    },

    async counts(notifier) {
      let q = db
        .selectFrom('sluice_notification_outbox')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
        .groupBy('status');
      if (notifier) q = q.where('notifier', '=', notifier);
      const out: OutboxCounts = { pending: 0, delivered: 0, dead: 0 };
      for (const r of await q.execute()) out[r.status as OutboxStatus] = Number(r.n);
      return out;
    },

    async prune(before) {
      const res = await db
        .deleteFrom('sluice_notification_outbox')
        .where('status', 'in', ['delivered', 'dead'])
        .where('created_at', '<', before)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    async recent(notifier, limit, status) {
      let q = db
        .selectFrom('sluice_notification_outbox')
        .selectAll()
        .where('notifier', '=', notifier)
        .orderBy('created_at', 'desc')
        .orderBy('key', 'desc')
        .limit(limit);
      if (status) q = q.where('status', '=', status);
      return (await q.execute()).map(fromRow);
    },
  };
}
