import type { Executor } from '../storage/index.js';
import type { FlagWrite, FlagWriteStore } from './flag-write-store.js';

export function createFlagWriteStore(db: Executor): FlagWriteStore {
  return {
    async record(w) {
      await db
        .insertInto('sluice_rollout_flag_write')
        .values({
          op_id: w.opId,
          run_id: w.runId,
          environment: w.environment,
          flag: w.flag,
          version: w.version,
          previous_version: w.previousVersion,
          previous_spec: w.previousSpec === null ? null : JSON.stringify(w.previousSpec),
          at: w.at,
        })
        .execute();
    },
    async byOp(opId) {
      const row = await db
        .selectFrom('sluice_rollout_flag_write')
        .selectAll()
        .where('op_id', '=', opId)
        .executeTakeFirst();
      if (!row) return null;
      return {
        opId: row.op_id,
        runId: row.run_id,
        environment: row.environment,
        flag: row.flag,
        version: Number(row.version),
        previousVersion: row.previous_version === null ? null : Number(row.previous_version),
        previousSpec: row.previous_spec === null ? null : JSON.parse(row.previous_spec),
        at: row.at,
      } satisfies FlagWrite;
    },
    async specBefore(runId, environment, flag, version) {
      const row = await db
        .selectFrom('sluice_rollout_flag_write')
        .select('previous_spec')
        .where('run_id', '=', runId)
        .where('environment', '=', environment)
        .where('flag', '=', flag)
        .where('previous_version', '=', version)
        .executeTakeFirst();
      return row?.previous_spec ? { spec: JSON.parse(row.previous_spec) } : null;
    },
  };
}
