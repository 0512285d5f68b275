import type { Executor } from '../../storage/index.js';
import type { EmergencyStore } from './emergency-store.js';

export function createEmergencyStore(db: Executor): EmergencyStore {
  return {
    async list() {
      const rows = await db.selectFrom('sluice_emergency').selectAll().orderBy('environment').execute();
      return rows.map((r) => ({
        environment: r.environment,
        active: true,
        reason: r.reason,
        startedBy: r.started_by,
        startedAt: r.started_at,
      }));
    },
    async start(s) {
      const existing = await db
        .selectFrom('sluice_emergency')
        .select('environment')
        .where('environment', '=', s.environment)
        .executeTakeFirst();
      if (existing) return false;
      await db
        .insertInto('sluice_emergency')
        .values({
          environment: s.environment,
          reason: s.reason,
          started_by: s.startedBy,
          started_at: s.startedAt,
        })
        .execute();
      return true;
    },
    async clear(environment) {
      const row = await db
        .selectFrom('sluice_emergency')
        .selectAll()
        .where('environment', '=', environment)
        .executeTakeFirst();
      if (!row) return null;
      await db.deleteFrom('sluice_emergency').where('environment', '=', environment).execute();
      return {
        environment,
        active: true,
        reason: row.reason,
        startedBy: row.started_by,
        startedAt: row.started_at,
      };
    },
  };
}
