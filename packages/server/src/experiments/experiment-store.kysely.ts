import type { ArmAggregate, EventTally } from '@sluice/core/experiments';
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from '../storage/index.js';
import type { ExperimentRun, ExperimentStore, StoredUser, Transition } from './experiment-store.js';

// 7 parameters a user row, 1 a key: both far below SQLite's 32,766 and PostgreSQL's 65,535
const USERS_PER_STATEMENT = 2000;
// 3 parameters a pre-period window
const WINDOWS_PER_STATEMENT = 1000;

/** A stable 32-bit key for PostgreSQL's advisory lock of one experiment. */
function lockKey(environment: string, experiment: string): number {
  let h = 0x811c9dc5;
  for (const ch of `experiment\0${environment}\0${experiment}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function createExperimentStore(db: Executor): ExperimentStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    async lock(environment, experiments) {
      if (!postgres) return;
      const keys = [...new Set(experiments.map((e) => lockKey(environment, e)))].sort((a, b) => a - b);
      for (const key of keys) await sql`select pg_advisory_xact_lock(${key})`.execute(db);
    },

    async users(environment, experiment, users) {
      const out = new Map<string, StoredUser>();
      for (let i = 0; i < users.length; i += USERS_PER_STATEMENT) {
        const rows = await db
          .selectFrom('sluice_experiment_user')
          .select(['user_key', 'arm', 'exposed_at', 'events', 'pre_events'])
          .where('environment', '=', environment)
          .where('experiment', '=', experiment)
          .where('user_key', 'in', users.slice(i, i + USERS_PER_STATEMENT))
          .execute();
        for (const r of rows)
          out.set(r.user_key, {
            arm: r.arm,
            exposedAt: r.exposed_at,
            events: JSON.parse(r.events),
            pre: r.pre_events === null ? null : JSON.parse(r.pre_events),
          });
      }
      return out;
    },

    async saveUsers(environment, experiment, rows) {
      const all = [...rows].map(([user, u]) => ({
        environment,
        experiment,
        user_key: user,
        arm: u.arm,
        exposed_at: u.exposedAt,
        events: JSON.stringify(u.events),
        pre_events: u.pre ? JSON.stringify(u.pre) : null,
      }));
      for (let i = 0; i < all.length; i += USERS_PER_STATEMENT / 2) {
        await db
          .insertInto('sluice_experiment_user')
          .values(all.slice(i, i + USERS_PER_STATEMENT / 2))
          .onConflict((oc) =>
            oc.columns(['environment', 'experiment', 'user_key']).doUpdateSet((eb) => ({
              arm: eb.ref('excluded.arm'),
              exposed_at: eb.ref('excluded.exposed_at'),
              events: eb.ref('excluded.events'),
              pre_events: eb.ref('excluded.pre_events'),
            })),
          )
          .execute();
      }
    },

    async preExposure(environment, names, windows) {
      const out = new Map<string, Record<string, EventTally>>();
      if (names.length === 0) return out;
      for (let i = 0; i < windows.length; i += WINDOWS_PER_STATEMENT) {
        const chunk = windows.slice(i, i + WINDOWS_PER_STATEMENT);
        // one grouped scan per chunk: each window walks the (environment, user_key, time) index
        const rows = await sql<{ user_key: string; name: string; n: number | string; total: number | null }>`
          with w (user_key, from_time, to_time) as (
            values ${sql.join(chunk.map((w) => sql`(${w.user}, ${w.from}, ${w.to})`))}
          )
          select e.user_key, e.name, count(*) as n, sum(e.value) as total
          from sluice_event e
          join w on e.user_key = w.user_key
          where e.environment = ${environment}
            and e.name in (${sql.join([...names])})
            and e.time >= w.from_time
            and e.time < w.to_time
          group by e.user_key, e.name`.execute(db);
        for (const r of rows.rows) {
          const tallies = out.get(r.user_key) ?? {};
          tallies[r.name] = [Number(r.n), Number(r.total ?? 0)];
          out.set(r.user_key, tallies);
        }
      }
      return out;
    },

    async arms(environment, experiment) {
      const rows = await db
        .selectFrom('sluice_experiment_arm')
        .select(['arm', 'users', 'sums'])
        .where('environment', '=', environment)
        .where('experiment', '=', experiment)
        .execute();
      return new Map(rows.map((r) => [r.arm, { users: Number(r.users), sums: JSON.parse(r.sums) }]));
    },

    async saveArms(environment, experiment, arms, at) {
      const rows = [...arms].map(([arm, a]: [string, ArmAggregate]) => ({
        environment,
        experiment,
        arm,
        users: a.users,
        sums: JSON.stringify(a.sums),
        updated_at: at.toISOString(),
      }));
      if (!rows.length) return;
      await db
        .insertInto('sluice_experiment_arm')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['environment', 'experiment', 'arm']).doUpdateSet((eb) => ({
            users: eb.ref('excluded.users'),
            sums: eb.ref('excluded.sums'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    },

    async run(environment, experiment) {
      const r = await db
        .selectFrom('sluice_experiment_run')
        .selectAll()
        .where('environment', '=', environment)
        .where('experiment', '=', experiment)
        .executeTakeFirst();
      if (!r) return null;
      return {
        startedAt: r.started_at,
        startedBy: r.started_by,
        stoppedAt: r.stopped_at,
        stoppedBy: r.stopped_by,
        concludedAt: r.concluded_at,
        concludedBy: r.concluded_by,
      } satisfies ExperimentRun;
    },

    async recordTransition(environment, experiment, step: Transition, actor, at) {
      const when = at.toISOString();
      const columns =
        step === 'started'
          ? { started_at: when, started_by: actor }
          : step === 'stopped'
            ? { stopped_at: when, stopped_by: actor }
            : { concluded_at: when, concluded_by: actor };
      await db
        .insertInto('sluice_experiment_run')
        .values({ environment, experiment, ...columns })
        .onConflict((oc) =>
          oc
            .columns(['environment', 'experiment'])
            // a start is recorded once: a re-applied "active" keeps the first start
            .doUpdateSet(
              step === 'started'
                ? (eb) => ({
                    started_at: eb.fn.coalesce(
                      'sluice_experiment_run.started_at',
                      eb.ref('excluded.started_at'),
                    ),
                    started_by: eb.fn.coalesce(
                      'sluice_experiment_run.started_by',
                      eb.ref('excluded.started_by'),
                    ),
                  })
                : columns,
            ),
        )
        .execute();
    },

    async forget(environment, experiment) {
      for (const table of [
        'sluice_experiment_run',
        'sluice_experiment_user',
        'sluice_experiment_arm',
      ] as const) {
        await db
          .deleteFrom(table)
          .where('environment', '=', environment)
          .where('experiment', '=', experiment)
          .execute();
      }
    },
  };
}
