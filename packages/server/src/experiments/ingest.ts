/**
 * Experiment events into per-user rows and per-arm sums, incrementally: a batch reads only the
 * rows of the users it names and the arms' sums, and writes them back (aggregates.ts says how a
 * user's change moves the sums). Exposures set a user's arm once (a user counts once); events of
 * a user not exposed yet are kept on their row and join the arm when the exposure arrives, so
 * late and out-of-order events count the same. With CUPED on, a user's exposure also reads their
 * events of the pre-period before it (SQL, `preExposure`): the covariate is fixed at exposure.
 */
import {
  type AggregateDelta,
  applyUserChange,
  armFor,
  CUPED_KINDS,
  type ExperimentSpec,
  MAX_EVENT_NAMES,
  mergeAggregates,
  resolveMetrics,
} from '@sluice/core/experiments';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import { type Executor, inTransaction } from '../storage/index.js';
import type { ExperimentStore, StoredUser } from './experiment-store.js';
import { createExperimentStore } from './experiment-store.kysely.js';

/** The event name that exposes a user to an experiment. */
export const EXPOSURE = 'exposure';

export interface ExperimentEntry {
  experiment: string;
  user: string;
  /** `exposure`, or the name of a metric event. */
  name: string;
  /** The arm, for exposures (resolved by `check`). */
  arm?: string | undefined;
  value?: number | undefined;
  /** ISO time. */
  time: string;
}

/** What `check` needs of an event. */
export interface EntryCandidate {
  experiment: string;
  user: string;
  name: string;
  /** For exposures, the arm the sender saw (optional). */
  version?: string | undefined;
}

export class ExperimentIngest {
  constructor(
    private readonly db: Executor,
    private readonly now: () => Date,
  ) {}

  /**
   * Per candidate: null when it can be counted (with `arm` resolved for exposures), else why
   * not. Reads the experiments once per batch.
   */
  async check(
    environment: string,
    candidates: readonly EntryCandidate[],
  ): Promise<{ arm?: string; problem?: string }[]> {
    const specs = new Map<string, ExperimentSpec | null>();
    const store = createResourceStore(this.db);
    for (const key of new Set(candidates.map((c) => c.experiment))) {
      const r = await store.get('Experiment', environment, key);
      specs.set(key, r ? (r.spec as ExperimentSpec) : null);
    }
    return candidates.map((c) => {
      const spec = specs.get(c.experiment);
      if (!spec) return { problem: `no experiment "${c.experiment}" in ${environment}` };
      if (spec.status === 'draft')
        return { problem: `experiment "${c.experiment}" has not started; its events are not counted` };
      if (c.name !== EXPOSURE) return {};
      const assigned = armFor(c.experiment, spec, c.user);
      if (c.version === undefined) return { arm: assigned };
      if (!Object.hasOwn(spec.traffic_split, c.version))
        return {
          problem: `"${c.version}" is not an arm of "${c.experiment}" (${Object.keys(spec.traffic_split).join(', ')})`,
        };
      if (c.version !== assigned)
        return {
          problem: `user "${c.user}" is assigned ${assigned} in "${c.experiment}", not ${c.version}: the exposure disagrees with the assignment`,
        };
      return { arm: assigned };
    });
  }

  /** Counts entries in its own transaction (exposures from flag evaluations). */
  async recordNow(environment: string, entries: readonly ExperimentEntry[]): Promise<void> {
    await inTransaction(this.db, (trx) => this.record(trx, environment, entries));
  }

  /** Counts entries inside the caller's transaction (the one that stored the events). */
  async record(trx: Executor, environment: string, entries: readonly ExperimentEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const store = createExperimentStore(trx);
    const byExperiment = new Map<string, ExperimentEntry[]>();
    for (const e of entries) {
      const list = byExperiment.get(e.experiment);
      if (list) list.push(e);
      else byExperiment.set(e.experiment, [e]);
    }
    const keys = [...byExperiment.keys()].sort();
    await store.lock(environment, keys);
    for (const key of keys) {
      const list = byExperiment.get(key) as ExperimentEntry[];
      const users = [...new Set(list.map((e) => e.user))];
      const before = await store.users(environment, key, users);
      const after = new Map<string, StoredUser>();
      for (const e of list) {
        const current = after.get(e.user) ?? copy(before.get(e.user));
        if (e.name === EXPOSURE) {
          if (current.arm === null && e.arm !== undefined) {
            current.arm = e.arm;
            current.exposedAt = e.time;
          } else if (current.exposedAt !== null && e.time < current.exposedAt && current.arm === e.arm) {
            current.exposedAt = e.time; // an earlier exposure arrived late
          }
        } else {
          const tally = current.events[e.name];
          // a quota: pairs of names grow with the square, so a user's row tallies at most 32 names
          if (tally) current.events[e.name] = [tally[0] + 1, tally[1] + (e.value ?? 0)];
          else if (Object.keys(current.events).length < MAX_EVENT_NAMES)
            current.events[e.name] = [1, e.value ?? 0];
        }
        after.set(e.user, current);
      }
      await this.readPrePeriod(trx, store, environment, key, before, after);
      const delta: AggregateDelta = new Map();
      for (const [user, state] of after) applyUserChange(delta, before.get(user) ?? null, state);
      await store.saveUsers(environment, key, after);
      if (delta.size) {
        const merged = mergeAggregates(await store.arms(environment, key), delta);
        await store.saveArms(environment, key, merged, this.now());
      }
    }
  }

  /**
   * CUPED: users exposed in this batch (or whose first exposure moved earlier) get their
   * pre-period tallies of the metrics' events. Users exposed before CUPED was on keep none.
   */
  private async readPrePeriod(
    trx: Executor,
    store: ExperimentStore,
    environment: string,
    key: string,
    before: ReadonlyMap<string, StoredUser>,
    after: Map<string, StoredUser>,
  ): Promise<void> {
    const exposed = [...after].filter(
      ([user, u]) => u.arm !== null && u.exposedAt !== null && u.exposedAt !== before.get(user)?.exposedAt,
    );
    if (exposed.length === 0) return;
    const resource = await createResourceStore(trx).get('Experiment', environment, key);
    const spec = resource?.spec as ExperimentSpec | undefined;
    if (!spec?.cuped) return;
    const days = spec.cuped.pre_period_days * DAY_MS;
    const windows = exposed
      // a user counted before CUPED was on keeps no covariate, even when their exposure moves
      .filter(([user]) => {
        const was = before.get(user);
        return !was || was.arm === null || Boolean(was.pre);
      })
      .map(([user, u]) => {
        const to = new Date(u.exposedAt as string);
        return { user, from: new Date(to.getTime() - days).toISOString(), to: to.toISOString() };
      });
    const names = [
      ...new Set(
        resolveMetrics(spec)
          .map((m) => m.definition)
          .flatMap((d) => (CUPED_KINDS.includes(d.kind) && 'event' in d ? [d.event] : [])),
      ),
    ];
    const tallies = await store.preExposure(environment, names, windows);
    for (const w of windows) (after.get(w.user) as StoredUser).pre = tallies.get(w.user) ?? {};
  }
}

const DAY_MS = 86_400_000;

function copy(u: StoredUser | undefined): StoredUser {
  if (!u) return { arm: null, exposedAt: null, events: {}, pre: null };
  return { arm: u.arm, exposedAt: u.exposedAt, events: { ...u.events }, pre: u.pre ?? null };
}
