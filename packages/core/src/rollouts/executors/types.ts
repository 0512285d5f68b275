/** The one interface every strategy executor implements. Executors are pure and sequential. */

import type { Threshold } from '../../analysis/index.js';
import type { CommandBody } from '../commands.js';
import type { Paced } from '../pace.js';
import type { StageOf, Strategy } from '../plan/plan-schema.js';
import type { CheckRecord } from './common.js';

export interface ExecContext<S extends Strategy = Strategy> extends Paced {
  runId: string;
  stage: StageOf<S>;
  /** The version the run delivers (the plan's `version`). */
  version: string;
  attempt: number;
  now: number;
}

/**
 * Something to emit. `step` names the place in the executor's walk; the machine turns it into
 * the op id `run/stage#attempt/step/kind`, so a step label is used once per kind and attempt.
 */
export type Emit =
  | { step: string; body: CommandBody }
  | { step: string; timer: { dueAt: number; purpose: string } };

export type Signal =
  /** The stage has acted (traffic moved, flag rolled out): exit gates run next. */
  | { type: 'acted' }
  /** Nothing left to do: the stage is complete. */
  | { type: 'completed' }
  | { type: 'failed'; reason: string }
  /** Checks stayed inconclusive and the stage's policy says a person decides: pause the run. */
  | { type: 'paused'; reason: string };

export interface ExecStep<E> {
  exec: E;
  emits: Emit[];
  signal?: Signal;
  /** Percent of traffic (or flag share) the new version has after this step. */
  weight?: number;
  /** What the stage waits for, in words, for people looking at the run. */
  waitingFor?: string;
  /** The metric check this step followed from, for the run's history. */
  checked?: CheckRecord;
  /** Something worth the run's history and a notice (a webhook holding or releasing the walk). */
  noted?: string;
}

/** A stage's live metric watch (see `StrategyExecutor.watching`). */
export interface Watch {
  app: string;
  role: 'canary';
  thresholds: Threshold[];
  windowMs: number;
}

export interface CommandOutcome {
  ok: boolean;
  data: Record<string, unknown>;
  error?: string;
}

export interface StrategyExecutor<S extends Strategy, E> {
  /** Begin acting (deploy, create the flag …). `prior` is the state of a failed attempt on retry. */
  start(ctx: ExecContext<S>, prior?: E): ExecStep<E>;
  /** A result for a command the executor emitted at `step`. Results for other steps are ignored. */
  onResult(ctx: ExecContext<S>, exec: E, step: string, outcome: CommandOutcome): ExecStep<E>;
  onTimer(ctx: ExecContext<S>, exec: E, step: string): ExecStep<E>;
  /** The thresholds that judge the current step (empty when nothing is being judged). */
  verify(ctx: ExecContext<S>, exec: E): Threshold[];
  /** After the exit gates (or on promote): reach the final state, e.g. 100% and retire the old. */
  finish(ctx: ExecContext<S>, exec: E): ExecStep<E>;
  /** Whether `promote` may cut the walk short now (not while a deploy or switch is in flight). */
  promotable(exec: E): boolean;
  /** Continue a step that waits for an operator (an untimed pause). */
  resume(ctx: ExecContext<S>, exec: E): ExecStep<E>;
  /**
   * What to watch between scheduled checks, so a decisive failure is acted on at once (the
   * routers push their counts): the canary's target and window, or null while nothing is judged.
   */
  watching?(ctx: ExecContext<S>, exec: E): Watch | null;
  /**
   * A reading taken between scheduled checks: a decisive failure fails the step now; anything
   * else changes nothing (the scheduled checks keep their pace and patience).
   */
  onBreach?(ctx: ExecContext<S>, exec: E, outcome: CommandOutcome, looks: number): ExecStep<E>;
  /** Undo, as a sequence applied one command at a time. Every command is idempotent. */
  rollback(ctx: ExecContext<S>, exec: E | undefined): { step: string; body: CommandBody }[];
}
