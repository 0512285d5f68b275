import type { ArmAggregate } from '@sluice/core/experiments';
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from '../storage/index.js';
import type { ExperimentRun, ExperimentStore, StoredUser, Transition } from './experiment-store.js';

// 6 parameters a user row, 1 a key: both far below SQLite's 32,766 and PostgreSQL's 65,535
const USERS_PER_STATEMENT = 2000;

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
          .select(['user_key', 'arm', 'exposed_at', 'events'])
          .where('environment', '=', environment)
          .where('experiment', '=', experiment)
          .where('user_key', 'in', users.slice(i, i + USERS_PER_STATEMENT))
          .execute();
        for (const r of rows)
          out.set(r.user_key, { arm: r.arm, exposedAt: r.exposed_at, events: JSON.parse(r.events) });
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
            })),
          )
          .execute();
      }
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
