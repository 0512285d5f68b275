/**
 * Runs rollouts durably (docs/architecture.md, Durability). Each event is appended, with the
 * state it leads to and the commands it asks for, in one transaction BEFORE any command runs; a
 * command's result is recorded in the same transaction as the event it becomes. Timers are
 * rows. After a crash, `resume` re-runs the commands still pending (handlers are idempotent by
 * op id) and the timer loop (timer-loop.ts) fires what fell due meanwhile, once. Under load,
 * the events of different runs stored at the same moment share a transaction (group-commit.ts,
 * run-batch.ts); each run's events still go one at a time, in order.
 */
import { randomUUID } from 'node:crypto';
import { defineError, NotFound } from '@sluice/core';
import {
  type Command,
  isTerminal,
  type Plan,
  type RolloutEventInput,
  type RunState,
  startRun,
  type TransitionResult,
  transition,
} from '@sluice/core/rollouts';
import type { Executor } from '../storage/index.js';
import {
  type CommandHandlers,
  type CommandOutcome,
  RUNTIME_KINDS,
  type RunContext,
} from './command-handler.js';
import { GroupCommit } from './group-commit.js';
import { isRestoring, type RunAuthority } from './run-authority.js';
import { type BatchKey, RunBatch, type Settles } from './run-batch.js';
import type { RunObserver } from './run-journal.js';
import type { RunRecord } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';
import { type DueTimer, TimerLoop } from './timer-loop.js';

export const RolloutBusy = defineError(
  'ROLLOUT_RESOURCE_BUSY',
  409,
  'Another rollout is already running there',
);
export const RunChanged = defineError(
  'ROLLOUT_RUN_CHANGED',
  409,
  'The run moved on while this event was applied',
);

const busy = (lock: { resource: string; runId: string }) =>
  RolloutBusy(
    `${lock.resource.replace(':', ' ')} is being rolled out by run ${lock.runId}; wait for it or abort it`,
    { extensions: { runId: lock.runId, resource: lock.resource } },
  );

export interface RuntimeOptions {
  db: Executor;
  handlers: CommandHandlers;
  /** Epoch milliseconds. */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** How often the timer loop looks for due timers at most. */
  tickMs?: number;
  /** Called for each timer fired, once its event is stored: how late after `dueAt` that was. */
  onTimerFired?: (fired: TimerFired) => void;
  /** Write rows of their own in each event's transaction (the outbox, the release history). */
  observers?: readonly RunObserver[];
  /**
   * Why a command may not make its writes (the starter's scopes, emergency mode), or null; a
   * refusal is the command's failed outcome (run-authority.ts, runWriteRefusal).
   */
  refuse?: (command: Command, run: RunContext) => string | null;
}

export interface TimerFired {
  runId: string;
  timerId: string;
  /** Epoch milliseconds the timer was due. */
  dueAt: number;
  /** Milliseconds from `dueAt` until the timer's event was stored (scheduler lag). */
  lagMs: number;
}

export interface StartRequest {
  rollout: string;
  environment: string;
  rolloutVersion: number;
  plan: Plan;
  startedBy: string;
  /** The starter's scopes (or the system's): every write of the run is checked with them. */
  authority: RunAuthority;
  /** Run the plan this many times faster (demos, rehearsals); see core/rollouts/pace.ts. */
  timeScale?: number;
  /** Resources only one run may hold: `service:env/name`, `flag:env/key`. */
  locks: string[];
}

export type RunListener = (run: RunRecord, result: TransitionResult) => void;

export class RolloutRuntime {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<RunListener>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers: TimerLoop;
  private stopped = false;
  private readonly now: () => number;
  /** Events of different runs stored at the same time share a commit. */
  private readonly commits: GroupCommit<BatchKey, RunBatch>;

  constructor(private readonly options: RuntimeOptions) {
    this.now = options.now ?? Date.now;
    this.commits = new GroupCommit(options.db, {
      maxBatch: 64,
      maxConcurrent: 4,
      context: {
        open: (trx, keys) => RunBatch.open(trx, keys),
        close: async (batch) => {
          const refused = await batch.close();
          if (refused && 'busy' in refused) throw busy(refused.busy);
          if (refused)
            throw RunChanged(
              `run ${refused.stale.runId} changed while ${refused.stale.applying} was applied; retry`,
            );
          if (!batch.observed.length) return;
          for (const observe of options.observers ?? []) await observe(batch.trx, batch.observed);
        },
      },
    });
    this.timers = new TimerLoop({
      db: options.db,
      now: this.now,
      tickMs: options.tickMs ?? 1000,
      fire: (due) => this.fireTimer(due),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  onTransition(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a run: stores it, its locks and its first event, then runs its commands. */
  async start(request: StartRequest): Promise<RunRecord> {
    const runId = `${request.rollout}-${new Date(this.now())
      .toISOString()
      .replace(/[-:T.Z]/g, '')
      .slice(0, 14)}-${randomUUID().slice(0, 6)}`;
    const at = this.now();
    const result = startRun(
      request.plan,
      { runId, startedBy: request.startedBy, timeScale: request.timeScale },
      at,
    );
    const record: RunRecord = {
      id: runId,
      rollout: request.rollout,
      environment: request.environment,
      rolloutVersion: request.rolloutVersion,
      status: result.state.status,
      plan: request.plan,
      state: result.state,
      seq: 1,
      startedBy: request.startedBy,
      authority: request.authority,
      startedAt: new Date(at).toISOString(),
      updatedAt: new Date(at).toISOString(),
    };
    const commands = await this.commits.run({ starting: true, locks: request.locks }, async (batch) => {
      const lockedBy = batch.lockedBy(request.locks);
      if (lockedBy) throw busy(lockedBy);
      batch.insertRun(record, request.locks);
      const event = { type: 'run_started', startedBy: request.startedBy };
      batch.appendEvent({
        runId,
        seq: 1,
        at,
        actor: request.startedBy,
        event,
        transitions: result.transitions,
      });
      batch.observe({ run: record, seq: 1, at, actor: request.startedBy, event, result });
      return this.recordCommands(batch, runId, 1, result);
    });
    this.announce(record, result);
    this.wakeFor(result);
    this.dispatch(this.context(record), result.state, commands);
    return record;
  }

  /** Feeds an event (approve, pause, abort, …) to a run; resolves to the transition. */
  send(
    runId: string,
    event: RolloutEventInput,
    actor: string,
    settle?: { opId?: string; timerId?: string; outcome?: CommandOutcome },
  ): Promise<TransitionResult | null> {
    return this.serial(runId, async () => {
      let context: RunContext | undefined;
      let state: RunState | undefined;
      let commands: Command[] = [];
      const settles: Settles = { runId, ...settle };
      const out = await this.commits.run(settles, async (batch) => {
        const run = batch.run(runId);
        if (!run) throw NotFound(`rollout run "${runId}" does not exist`);
        if (!batch.settled(settles)) return null; // the timer fired elsewhere, or the op was answered, already
        const at = this.now();
        const result = transition(run.state as RunState, event, at);
        const seq = run.seq + 1;
        state = result.state;
        batch.advance(
          { runId, seq: run.seq, state, status: state.status, at: new Date(at).toISOString() },
          event.type,
        );
        batch.appendEvent({ runId, seq, at, actor, event, transitions: result.transitions });
        commands = this.recordCommands(batch, runId, seq, result);
        context = this.context(run);
        const moved = { ...run, seq, state: result.state, status: result.state.status };
        batch.observe({ run: moved, seq, at, actor, event, result });
        return { run: moved, result };
      });
      if (!out) return null;
      this.announce(out.run, out.result);
      this.wakeFor(out.result);
      if (context && state) this.dispatch(context, state, commands);
      return out.result;
    });
  }

  /** After a (re)start: re-runs pending commands of every active run, and starts the timer loop. */
  async resume(): Promise<number> {
    const store = createRunStore(this.options.db);
    const active = await store.listRuns({ active: true, limit: 10_000 });
    for (const run of active) {
      const pending = await store.pendingOps(run.id);
      this.dispatch(
        this.context(run),
        run.state as RunState,
        pending.map((op) => op.command as Command),
      );
    }
    this.timers.wake(this.now());
    return active.length;
  }

  /** Looks for due timers now (after a clock jump in tests, or a manual nudge). */
  poke(): void {
    this.timers.wake(this.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.timers.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private context(run: RunRecord): RunContext {
    return {
      runId: run.id,
      rollout: run.rollout,
      environment: run.environment,
      startedBy: run.startedBy,
      authority: run.authority,
    };
  }

  /** Timers and notices are settled in the event's transaction; the rest become op rows. */
  private recordCommands(batch: RunBatch, runId: string, seq: number, result: TransitionResult): Command[] {
    const toRun: Command[] = [];
    for (const command of result.commands) {
      if (command.kind === 'schedule_timer')
        batch.scheduleTimer({
          runId,
          timerId: command.timerId,
          dueAt: command.dueAt,
          purpose: command.purpose,
        });
      else if (command.kind === 'cancel_timer') batch.cancelTimer({ runId, timerId: command.timerId });
      else if (command.kind === 'notify')
        this.options.log?.(
          command.level === 'error' ? 'error' : command.level === 'warning' ? 'warn' : 'info',
          command.message,
          { runId, stage: command.stage },
        );
      if (RUNTIME_KINDS.has(command.kind)) continue;
      batch.insertOp({ opId: command.opId, runId, seq, command, status: 'pending', result: null });
      toRun.push(command);
    }
    if (isTerminal(result.state.status)) batch.endRun(runId);
    return toRun;
  }

  /**
   * Runs commands one after another (their order matters), each answered by an event. `state`
   * is the run's state that asked for them: it says which belong to a rollback.
   */
  private dispatch(run: RunContext, state: RunState, commands: Command[]): void {
    if (!commands.length || this.stopped) return;
    const work = (async () => {
      for (const command of commands) {
        if (this.stopped) return;
        const outcome = await this.execute(command, { ...run, restoring: isRestoring(state, command.opId) });
        await this.send(
          run.runId,
          {
            type: 'command_result',
            opId: command.opId,
            ok: outcome.ok,
            data: outcome.data ?? {},
            ...(outcome.error ? { error: outcome.error } : {}),
          },
          'system',
          {
            opId: command.opId,
            outcome,
          },
        ).catch((error: unknown) =>
          this.options.log?.('error', 'recording a command result failed', {
            runId: run.runId,
            opId: command.opId,
            error: String(error),
          }),
        );
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async execute(command: Command, run: RunContext): Promise<CommandOutcome> {
    const handler = this.options.handlers[command.kind] as
      | ((c: Command, r: RunContext) => Promise<CommandOutcome>)
      | undefined;
    if (!handler) return { ok: false, error: `this control plane cannot run "${command.kind}" commands` };
    try {
      const refused = this.options.refuse?.(command, run);
      if (refused) {
        this.options.log?.('warn', refused, { runId: run.runId, opId: command.opId });
        return { ok: false, error: refused };
      }
      return await handler(command, run);
    } catch (error) {
      // handlers report failures as outcomes; an exception is a failure all the same
      return { ok: false, error: (error as Error).message ?? String(error) };
    }
  }

  /** After an event is stored: the loop must wake by the earliest timer it scheduled. */
  private wakeFor(result: TransitionResult): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const c of result.commands) if (c.kind === 'schedule_timer') earliest = Math.min(earliest, c.dueAt);
    if (earliest !== Number.POSITIVE_INFINITY) this.timers.wake(earliest);
  }

  /** Fires one due timer; true when it was handled (fired here, or found fired elsewhere). */
  private fireTimer(due: DueTimer): Promise<boolean> {
    return this.send(due.runId, { type: 'timer_fired', timerId: due.timerId }, 'timer', {
      timerId: due.timerId,
    }).then(
      (result) => {
        if (result) this.options.onTimerFired?.({ ...due, lagMs: this.now() - due.dueAt });
        return true;
      },
      (error: unknown) => {
        this.options.log?.('error', 'firing a timer failed', {
          runId: due.runId,
          timerId: due.timerId,
          error: String(error),
        });
        return false;
      },
    );
  }

  private serial<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(runId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(runId, settled);
    void settled.then(() => {
      if (this.queues.get(runId) === settled) this.queues.delete(runId);
    });
    return next;
  }

  private announce(run: RunRecord, result: TransitionResult): void {
    for (const l of this.listeners) l(run, result);
  }
}
