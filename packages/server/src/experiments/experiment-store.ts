/**
 * Where an experiment's run, users and arm sums live. One implementation over Kysely serves
 * SQLite and PostgreSQL (experiment-store.kysely.ts); the contract suite runs on both.
 */
import type { ArmAggregate, EventTally } from '@sluice/core/experiments';

/** Who started, stopped and concluded the experiment, and when (ISO times). */
export interface ExperimentRun {
  startedAt: string | null;
  startedBy: string | null;
  stoppedAt: string | null;
  stoppedBy: string | null;
  concludedAt: string | null;
  concludedBy: string | null;
}

/** One user's row: the arm of their first exposure and their event tallies. */
export interface StoredUser {
  arm: string | null;
  exposedAt: string | null;
  events: Record<string, EventTally>;
  /** CUPED: their tallies in the pre-period before `exposedAt`; absent or null when not read. */
  pre?: Record<string, EventTally> | null;
}

/** One user's CUPED pre-period: events with `from <= time < to` (ISO times). */
export interface PreWindow {
  user: string;
  from: string;
  to: string;
}

export type Transition = 'started' | 'stopped' | 'concluded';

export interface ExperimentStore {
  /**
   * Serialises writers of these experiments until the transaction ends (PostgreSQL: advisory
   * locks in a fixed order; SQLite: its write lock already does). Call first in the transaction.
   */
  lock(environment: string, experiments: readonly string[]): Promise<void>;
  /** The rows of these users (users without one are absent). */
  users(environment: string, experiment: string, users: readonly string[]): Promise<Map<string, StoredUser>>;
  /** Writes (inserts or replaces) these users' rows. */
  saveUsers(environment: string, experiment: string, rows: ReadonlyMap<string, StoredUser>): Promise<void>;
  /**
   * CUPED's covariate: each user's stored events (`sluice_event`, whether or not they name an
   * experiment) of these names in their window, tallied in SQL as [count, Σ value]. Users with no
   * such event are absent. Reads the caller's transaction, so events of the same batch count.
   */
  preExposure(
    environment: string,
    names: readonly string[],
    windows: readonly PreWindow[],
  ): Promise<Map<string, Record<string, EventTally>>>;
  /** The arms' sums. */
  arms(environment: string, experiment: string): Promise<Map<string, ArmAggregate>>;
  /** Writes the arms' sums. */
  saveArms(
    environment: string,
    experiment: string,
    arms: ReadonlyMap<string, ArmAggregate>,
    at: Date,
  ): Promise<void>;
  /** The run, or null before the experiment was ever started. */
  run(environment: string, experiment: string): Promise<ExperimentRun | null>;
  /** Records a lifecycle step; `started` keeps the first start. */
  recordTransition(
    environment: string,
    experiment: string,
    step: Transition,
    actor: string,
    at: Date,
  ): Promise<void>;
  /** Deletes the run, users and sums (the experiment was deleted). */
  forget(environment: string, experiment: string): Promise<void>;
}
