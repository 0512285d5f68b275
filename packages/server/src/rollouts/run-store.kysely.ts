import type { Executor } from '../storage/index.js';
import type { RolloutRunTable } from '../storage/schema.js';
import type { RunRecord, RunStore } from './run-store.js';

const ACTIVE = ['pending', 'running', 'paused', 'blocked', 'rolling_back'];

const fromRun = (r: RolloutRunTable): RunRecord => ({
  id: r.id,
  rollout: r.rollout,
  environment: r.environment,
  rolloutVersion: Number(r.rollout_version),
  status: r.status,
  plan: JSON.parse(r.plan),
  state: JSON.parse(r.state),
  seq: Number(r.seq),
  startedBy: r.started_by,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});

export function createRunStore(db: Executor): RunStore {
  return {
    async insertRun(run, locks) {
      for (const resource of locks) {
        const held = await db
          .selectFrom('sluice_rollout_lock')
          .selectAll()
          .where('resource', '=', resource)
          .executeTakeFirst();
        if (held) return { lockedBy: { resource, runId: held.run_id } };
      }
      await db
        .insertInto('sluice_rollout_run')
        .values({
          id: run.id,
          rollout: run.rollout,
          environment: run.environment,
          rollout_version: run.rolloutVersion,
          status: run.status,
          plan: JSON.stringify(run.plan),
          state: JSON.stringify(run.state),
          seq: run.seq,
          started_by: run.startedBy,
          started_at: run.startedAt,
          updated_at: run.updatedAt,
        })
        .execute();
      for (const resource of locks)
        await db.insertInto('sluice_rollout_lock').values({ resource, run_id: run.id }).execute();
      return { lockedBy: null };
    },
    async getRun(id) {
      const row = await db
        .selectFrom('sluice_rollout_run')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? fromRun(row) : null;
    },
    async getRuns(ids) {
      if (!ids.length) return [];
      return (await db.selectFrom('sluice_rollout_run').selectAll().where('id', 'in', ids).execute()).map(
        fromRun,
      );
    },
    async listRuns(f) {
      let q = db.selectFrom('sluice_rollout_run').selectAll();
      if (f.environment) q = q.where('environment', '=', f.environment);
      if (f.rollout) q = q.where('rollout', '=', f.rollout);
      if (f.active) q = q.where('status', 'in', ACTIVE);
      return (await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute()).map(
        fromRun,
      );
    },
    async advance(runId, seq, state, status, at) {
      const r = await db
        .updateTable('sluice_rollout_run')
        .set({ seq: seq + 1, state: JSON.stringify(state), status, updated_at: at })
        .where('id', '=', runId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async appendEvents(events) {
      if (!events.length) return;
      await db
        .insertInto('sluice_rollout_event')
        .values(
          events.map((e) => ({
            run_id: e.runId,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            event: JSON.stringify(e.event),
            transitions: JSON.stringify(e.transitions),
          })),
        )
        .execute();
    },
    async events(runId) {
      const rows = await db
        .selectFrom('sluice_rollout_event')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({
        runId: r.run_id,
        seq: Number(r.seq),
        at: Number(r.at),
        actor: r.actor,
        event: JSON.parse(r.event),
        transitions: JSON.parse(r.transitions),
      }));
    },
    async insertOps(ops) {
      if (!ops.length) return;
      const at = new Date().toISOString();
      await db
        .insertInto('sluice_rollout_op')
        .values(
          ops.map((op) => ({
            op_id: op.opId,
            run_id: op.runId,
            seq: op.seq,
            command: JSON.stringify(op.command),
            status: op.status,
            result: op.result === undefined ? null : JSON.stringify(op.result),
            updated_at: at,
          })),
        )
        .onConflict((oc) => oc.column('op_id').doNothing())
        .execute();
    },
    async completeOp(opId, result) {
      const r = await db
        .updateTable('sluice_rollout_op')
        .set({ status: 'done', result: JSON.stringify(result), updated_at: new Date().toISOString() })
        .where('op_id', '=', opId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async pendingOps(runId) {
      const rows = await db
        .selectFrom('sluice_rollout_op')
        .selectAll()
        .where('run_id', '=', runId)
        .where('status', '=', 'pending')
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({
        opId: r.op_id,
        runId: r.run_id,
        seq: Number(r.seq),
        command: JSON.parse(r.command),
        status: 'pending' as const,
        result: null,
      }));
    },
    async getOp(opId) {
      const r = await db
        .selectFrom('sluice_rollout_op')
        .selectAll()
        .where('op_id', '=', opId)
        .executeTakeFirst();
      if (!r) return null;
      return {
        opId: r.op_id,
        runId: r.run_id,
        seq: Number(r.seq),
        command: JSON.parse(r.command),
        status: r.status as 'pending' | 'done',
        result: r.result === null ? null : JSON.parse(r.result),
      };
    },
    async upsertTimer(runId, timerId, dueAt, purpose) {
      await db
        .insertInto('sluice_rollout_timer')
        .values({ run_id: runId, timer_id: timerId, due_at: dueAt, purpose })
        .onConflict((oc) => oc.columns(['run_id', 'timer_id']).doUpdateSet({ due_at: dueAt, purpose }))
        .execute();
    },
    async deleteTimer(runId, timerId) {
      const r = await db
        .deleteFrom('sluice_rollout_timer')
        .where('run_id', '=', runId)
        .where('timer_id', '=', timerId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async deleteTimers(runId) {
      await db.deleteFrom('sluice_rollout_timer').where('run_id', '=', runId).execute();
    },
    async dueTimers(now, limit) {
      const rows = await db
        .selectFrom('sluice_rollout_timer')
        .selectAll()
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ runId: r.run_id, timerId: r.timer_id, dueAt: Number(r.due_at) }));
    },
    async nextTimerDue() {
      const row = await db
        .selectFrom('sluice_rollout_timer')
        .select('due_at')
        .orderBy('due_at')
        .limit(1)
        .executeTakeFirst();
      return row ? Number(row.due_at) : null;
    },
    async releaseLocks(runId) {
      await db.deleteFrom('sluice_rollout_lock').where('run_id', '=', runId).execute();
    },
  };
}
