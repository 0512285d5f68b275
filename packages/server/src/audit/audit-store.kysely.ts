import type { Executor } from '../storage/index.js';
import type { AuditStore } from './audit-store.js';

export function createAuditStore(db: Executor): AuditStore {
  return {
    async append(e) {
      await db
        .insertInto('sluice_audit')
        .values({
          at: e.at,
          actor: e.actor,
          action: e.action,
          kind: e.kind,
          environment: e.environment ?? '',
          name: e.name,
          before: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
          after: e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
          request_id: e.requestId,
        })
        .execute();
    },
    async query(f) {
      let q = db.selectFrom('sluice_audit').selectAll();
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.name) q = q.where('name', '=', f.name);
      if (f.environment) q = q.where('environment', '=', f.environment);
      if (f.actor) q = q.where('actor', '=', f.actor);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.since) q = q.where('at', '>=', new Date(f.since).toISOString());
      if (f.until) q = q.where('at', '<', new Date(f.until).toISOString());
      if (f.cursor) q = q.where('id', '<', f.cursor);
      const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        action: r.action,
        kind: r.kind,
        ...(r.environment ? { environment: r.environment } : {}),
        name: r.name,
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
        requestId: r.request_id,
      }));
    },
    async count() {
      const row = await db
        .selectFrom('sluice_audit')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
