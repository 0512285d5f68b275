/**
 * Runs rollouts durably (DESIGN.md principle 3). Each event is appended, with the state it
 * leads to and the commands it asks for, in one transaction BEFORE any command runs; a command's
 * result is recorded in the same transaction as the event it becomes. Timers are rows. After a
 * crash, `resume` re-runs the commands still pending (handlers are idempotent by op id) and the
 * timer loop fires what fell due meanwhile, once. Under load, the events of different runs
 * stored at the same moment share a transaction (group-commit.ts, run-batch.ts); each run's
 * events still go one at a time, in order.
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
import { type BatchKey, RunBatch, type Settles } from './run-batch.js';
import type { RunRecord } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';

/** Due timers fired per query of the timer loop, concurrently across runs. */
const TIMER_BATCH = 200;

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
  private timer: NodeJS.Timeout | undefined;
  /** When the sleeping timer loop wakes (performance.now() ms); +Infinity while not asleep. */
  private wakeAt = Number.POSITIVE_INFINITY;
  /** A pass of the timer loop is running: wakes are noted for its end instead of starting another. */
  private ticking = false;
  private tickAgain = false;
  private wakeAfterPass = Number.POSITIVE_INFINITY;
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
        },
      },
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
      startedAt: new Date(at).toISOString(),
      updatedAt: new Date(at).toISOString(),
    };
    const commands = await this.commits.run({ starting: true, locks: request.locks }, async (batch) => {
      const lockedBy = batch.lockedBy(request.locks);
      if (lockedBy) throw busy(lockedBy);
      batch.insertRun(record, request.locks);
      batch.appendEvent({
        runId,
        seq: 1,
        at,
        actor: request.startedBy,
        event: { type: 'run_started', startedBy: request.startedBy },
        transitions: result.transitions,
      });
      return this.recordCommands(batch, runId, 1, result);
    });
    this.announce(record, result);
    this.wakeFor(result);
    this.dispatch(this.context(record), commands);
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
      let commands: Command[] = [];
      const settles: Settles = { runId, ...settle };
      const out = await this.commits.run(settles, async (batch) => {
        const run = batch.run(runId);
        if (!run) throw NotFound(`rollout run "${runId}" does not exist`);
        if (!batch.settled(settles)) return null; // the timer fired elsewhere, or the op was answered, already
        const at = this.now();
        const result = transition(run.state as RunState, event, at);
        const seq = run.seq + 1;
        const state = result.state;
        batch.advance(
          { runId, seq: run.seq, state, status: state.status, at: new Date(at).toISOString() },
          event.type,
        );
        batch.appendEvent({ runId, seq, at, actor, event, transitions: result.transitions });
        commands = this.recordCommands(batch, runId, seq, result);
        context = this.context(run);
        return { run: { ...run, seq, state: result.state, status: result.state.status }, result };
      });
      if (!out) return null;
      this.announce(out.run, out.result);
      this.wakeFor(out.result);
      if (context) this.dispatch(context, commands);
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
        pending.map((op) => op.command as Command),
      );
    }
    this.wake(this.now());
    return active.length;
  }

  /** Looks for due timers now (after a clock jump in tests, or a manual nudge). */
  poke(): void {
    this.wake(this.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private context(run: RunRecord): RunContext {
    return { runId: run.id, rollout: run.rollout, environment: run.environment, startedBy: run.startedBy };
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

  /** Runs commands one after another (their order matters), each answered by an event. */
  private dispatch(run: RunContext, commands: Command[]): void {
    if (!commands.length || this.stopped) return;
    const work = (async () => {
      for (const command of commands) {
        if (this.stopped) return;
        const outcome = await this.execute(command, run);
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
    if (earliest !== Number.POSITIVE_INFINITY) this.wake(earliest);
  }

  /**
   * Makes the timer loop look for due timers by `dueAt` (epoch ms; at most `tickMs` from now).
   * Only one pass runs at a time: a wake during a pass is honoured when the pass ends.
   */
  private wake(dueAt: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.min(this.options.tickMs ?? 1000, dueAt - this.now()));
    if (this.ticking) {
      if (delay === 0) this.tickAgain = true;
      else this.wakeAfterPass = Math.min(this.wakeAfterPass, performance.now() + delay);
      return;
    }
    const at = performance.now() + delay;
    if (this.timer && at >= this.wakeAt) return; // it wakes early enough already
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      const pass = this.tick();
      this.inFlight.add(pass);
      void pass.finally(() => this.inFlight.delete(pass));
    }, delay);
    this.timer.unref();
  }

  /**
   * One pass of the timer loop: fires every due timer once, a batch at a time, the timers of
   * different runs concurrently (each run's events stay in order: `send` is serial per run), then
   * sleeps until the next timer is due (at most `tickMs`).
   */
  private async tick(): Promise<void> {
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    const store = createRunStore(this.options.db);
    const tickMs = this.options.tickMs ?? 1000;
    let delay = tickMs;
    try {
      let stuck = false;
      do {
        this.tickAgain = false;
        for (;;) {
          if (this.stopped) return;
          const due = await store.dueTimers(this.now(), TIMER_BATCH);
          if (!due.length) break;
          if ((await this.fire(due)) === 0) {
            stuck = true; // every one failed: retry after tickMs rather than spin on them
            break;
          }
        }
      } while (this.tickAgain && !stuck);
      const next = await store.nextTimerDue();
      if (!stuck && next !== null) delay = Math.max(0, Math.min(tickMs, next - this.now()));
    } catch (error) {
      this.options.log?.('error', 'the rollout timer loop failed', { error: String(error) });
    } finally {
      this.ticking = false;
    }
    const wakeAfterPass = this.wakeAfterPass;
    this.wakeAfterPass = Number.POSITIVE_INFINITY;
    if (this.tickAgain) delay = 0;
    this.tickAgain = false;
    this.wake(this.now() + Math.min(delay, Math.max(0, wakeAfterPass - performance.now())));
  }

  /** Fires a batch of due timers; resolves to how many were handled (fired here or elsewhere). */
  private async fire(due: { runId: string; timerId: string; dueAt: number }[]): Promise<number> {
    const handled = await Promise.all(
      due.map((d) =>
        this.send(d.runId, { type: 'timer_fired', timerId: d.timerId }, 'timer', { timerId: d.timerId }).then(
          (result) => {
            if (result) this.timerFired(d);
            return true;
          },
          (error: unknown) => {
            this.options.log?.('error', 'firing a timer failed', {
              runId: d.runId,
              timerId: d.timerId,
              error: String(error),
            });
            return false;
          },
        ),
      ),
    );
    return handled.filter(Boolean).length;
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

  private timerFired(due: { runId: string; timerId: string; dueAt: number }): void {
    this.options.onTimerFired?.({ ...due, lagMs: this.now() - due.dueAt });
  }

  private announce(run: RunRecord, result: TransitionResult): void {
    for (const l of this.listeners) l(run, result);
  }
}
