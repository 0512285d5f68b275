import type { Executor } from '../storage/index.js';
import type { FlagKillTable } from '../storage/schema.js';
import type { FlagKill, KillStore } from './kill-store.js';

const fromRow = (r: FlagKillTable): FlagKill => ({
  environment: r.environment,
  flag: r.flag,
  reason: r.reason,
  killedBy: r.killed_by,
  killedAt: r.killed_at,
});

export function createKillStore(db: Executor): KillStore {
  return {
    async list(environment) {
      return (
        await db
          .selectFrom('sluice_flag_kill')
          .selectAll()
          .where('environment', '=', environment)
          .orderBy('flag')
          .execute()
      ).map(fromRow);
    },
    async kill(k) {
      const existing = await db
        .selectFrom('sluice_flag_kill')
        .select('flag')
        .where('environment', '=', k.environment)
        .where('flag', '=', k.flag)
        .executeTakeFirst();
      if (existing) return false;
      await db
        .insertInto('sluice_flag_kill')
        .values({
          environment: k.environment,
          flag: k.flag,
          reason: k.reason,
          killed_by: k.killedBy,
          killed_at: k.killedAt,
        })
        .execute();
      return true;
    },
    async unkill(environment, flag) {
      const row = await db
        .selectFrom('sluice_flag_kill')
        .selectAll()
        .where('environment', '=', environment)
        .where('flag', '=', flag)
        .executeTakeFirst();
      if (!row) return null;
      await db
        .deleteFrom('sluice_flag_kill')
        .where('environment', '=', environment)
        .where('flag', '=', flag)
        .execute();
      return fromRow(row);
    },
  };
}
