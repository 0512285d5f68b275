import { sql } from 'kysely';
import type { Executor } from '../storage/index.js';
import type { RolloutRunTable } from '../storage/schema.js';
import { readAuthority } from './run-authority.js';
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
  authority: readAuthority(r.authority, r.environment),
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});

export function createRunStore(db: Executor): RunStore {
  return {
    async insertRuns(runs) {
      if (!runs.length) return [];
      await db
        .insertInto('sluice_rollout_run')
        .values(
          runs.map(({ run }) => ({
            id: run.id,
            rollout: run.rollout,
            environment: run.environment,
            rollout_version: run.rolloutVersion,
            status: run.status,
            plan: JSON.stringify(run.plan),
            state: JSON.stringify(run.state),
            seq: run.seq,
            started_by: run.startedBy,
            authority: JSON.stringify(run.authority),
            started_at: run.startedAt,
            updated_at: run.updatedAt,
          })),
        )
        .execute();
      const locks = runs.flatMap(({ run, locks }) => locks.map((resource) => ({ resource, run_id: run.id })));
      if (!locks.length) return [];
      // a lock taken meanwhile (by a transaction that committed first) is skipped, not an error
      const taken = await db
        .insertInto('sluice_rollout_lock')
        .values(locks)
        .onConflict((oc) => oc.column('resource').doNothing())
        .returning(['resource', 'run_id'])
        .execute();
      const ours = new Set(taken.map((l) => `${l.resource}\u0000${l.run_id}`));
      const lost = locks.filter((l) => !ours.has(`${l.resource}\u0000${l.run_id}`)).map((l) => l.resource);
      return this.locksOn(lost);
    },
    async locksOn(resources) {
      if (!resources.length) return [];
      const rows = await db
        .selectFrom('sluice_rollout_lock')
        .selectAll()
        .where('resource', 'in', resources)
        .execute();
      return rows.map((r) => ({ resource: r.resource, runId: r.run_id }));
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
    async advanceRuns(moves) {
      if (!moves.length) return [];
      // one statement for many runs, in SQL PostgreSQL and SQLite (3.33+) both run: UPDATE … FROM a CTE of the moves
      const rows = sql.join(
        moves.map(
          (m) =>
            sql`(${m.runId}, cast(${m.seq} as integer), ${JSON.stringify(m.state)}, ${m.status}, ${m.at})`,
        ),
      );
      const r = await sql<{ id: string }>`with m (id, seq, state, status, updated_at) as (values ${rows})
        update sluice_rollout_run
        set seq = sluice_rollout_run.seq + 1, state = m.state, status = m.status, updated_at = m.updated_at
        from m where m.id = sluice_rollout_run.id and m.seq = sluice_rollout_run.seq
        returning sluice_rollout_run.id`.execute(db);
      return r.rows.map((row) => row.id);
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
    async completeOps(results) {
      if (!results.length) return [];
      const rows = sql.join(results.map((o) => sql`(${o.opId}, ${JSON.stringify(o.result)})`));
      const r = await sql<{ op_id: string }>`with r (op_id, result) as (values ${rows})
        update sluice_rollout_op
        set status = 'done', result = r.result, updated_at = ${new Date().toISOString()}
        from r where r.op_id = sluice_rollout_op.op_id and sluice_rollout_op.status = 'pending'
        returning sluice_rollout_op.op_id`.execute(db);
      return r.rows.map((row) => row.op_id);
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
    async upsertTimers(timers) {
      if (!timers.length) return;
      await db
        .insertInto('sluice_rollout_timer')
        .values(
          timers.map((t) => ({ run_id: t.runId, timer_id: t.timerId, due_at: t.dueAt, purpose: t.purpose })),
        )
        .onConflict((oc) =>
          oc.columns(['run_id', 'timer_id']).doUpdateSet((eb) => ({
            due_at: eb.ref('excluded.due_at'),
            purpose: eb.ref('excluded.purpose'),
          })),
        )
        .execute();
    },
    async takeTimers(timers) {
      if (!timers.length) return [];
      const rows = await db
        .deleteFrom('sluice_rollout_timer')
        .where(({ eb, refTuple, tuple }) =>
          eb(
            refTuple('run_id', 'timer_id'),
            'in',
            timers.map((t) => tuple(t.runId, t.timerId)),
          ),
        )
        .returning(['run_id', 'timer_id'])
        .execute();
      return rows.map((r) => ({ runId: r.run_id, timerId: r.timer_id }));
    },
    async deleteTimersOf(runIds) {
      if (runIds.length) await db.deleteFrom('sluice_rollout_timer').where('run_id', 'in', runIds).execute();
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
    async releaseLocksOf(runIds) {
      if (runIds.length) await db.deleteFrom('sluice_rollout_lock').where('run_id', 'in', runIds).execute();
    },
  };
}
