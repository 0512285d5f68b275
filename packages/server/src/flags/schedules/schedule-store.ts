/** Rows of sluice_flag_schedule. Every status change is conditional on the row still being pending. */
import type { Selectable } from 'kysely';
import type { Executor } from '../../storage/index.js';
import type { FlagScheduleTable } from '../../storage/schema.js';
import type { FlagSchedule, ScheduleStatus } from './schedule.schema.js';

function toSchedule(row: Selectable<FlagScheduleTable>): FlagSchedule {
  return {
    id: row.id,
    environment: row.environment,
    flag: row.flag,
    at: row.at,
    set: JSON.parse(row.change),
    status: row.status as ScheduleStatus,
    createdAt: row.created_at,
    createdBy: row.created_by,
    finishedAt: row.finished_at,
    reason: row.reason,
    appliedVersion: row.applied_version === null ? null : Number(row.applied_version),
  };
}

export function createScheduleStore(db: Executor) {
  return {
    async insert(s: FlagSchedule): Promise<void> {
      await db
        .insertInto('sluice_flag_schedule')
        .values({
          id: s.id,
          environment: s.environment,
          flag: s.flag,
          at: s.at,
          change: JSON.stringify(s.set),
          status: s.status,
          created_at: s.createdAt,
          created_by: s.createdBy,
          finished_at: s.finishedAt,
          reason: s.reason,
          applied_version: s.appliedVersion,
        })
        .execute();
    },

    async get(id: string): Promise<FlagSchedule | null> {
      const row = await db
        .selectFrom('sluice_flag_schedule')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toSchedule(row) : null;
    },

    async list(filter: {
      environment: string;
      status?: ScheduleStatus | undefined;
      flag?: string | undefined;
    }) {
      let q = db.selectFrom('sluice_flag_schedule').selectAll().where('environment', '=', filter.environment);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.flag) q = q.where('flag', '=', filter.flag);
      const rows = await q.orderBy('at').orderBy('id').limit(1000).execute();
      return rows.map(toSchedule);
    },

    /** Ids of pending rows due at `now`, oldest first. */
    async due(now: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('sluice_flag_schedule')
        .select('id')
        .where('status', '=', 'pending')
        .where('at', '<=', now)
        .orderBy('at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    /** The earliest pending time, for the timer. */
    async nextAt(): Promise<string | null> {
      const row = await db
        .selectFrom('sluice_flag_schedule')
        .select((eb) => eb.fn.min('at').as('next'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return (row?.next as string | null | undefined) ?? null;
    },

    /**
     * Moves a pending row to a final status; false when it was not pending any more (another
     * replica claimed it, or it was cancelled). This is the claim: only one writer wins.
     */
    async finish(
      id: string,
      status: Exclude<ScheduleStatus, 'pending'>,
      fields: { at: string; reason?: string | null; appliedVersion?: number | null },
    ): Promise<boolean> {
      const result = await db
        .updateTable('sluice_flag_schedule')
        .set({
          status,
          finished_at: fields.at,
          reason: fields.reason ?? null,
          applied_version: fields.appliedVersion ?? null,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setAppliedVersion(id: string, version: number): Promise<void> {
      await db
        .updateTable('sluice_flag_schedule')
        .set({ applied_version: version })
        .where('id', '=', id)
        .execute();
    },
  };
}
