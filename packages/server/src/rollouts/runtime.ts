/**
 * Runs rollouts durably (DESIGN.md principle 3). Each event is appended, with the state it
 * leads to and the commands it asks for, in one transaction BEFORE any command runs; a command's
 * result is recorded in the same transaction as the event it becomes. Timers are rows. After a
 * crash, `resume` re-runs the commands still pending (handlers are idempotent by op id) and the
 * timer loop fires what fell due meanwhile, once.
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
import { type Executor, inTransaction } from '../storage/index.js';
import {
  type CommandHandlers,
  type CommandOutcome,
  RUNTIME_KINDS,
  type RunContext,
} from './command-handler.js';
import type { RunRecord } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';

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

export interface RuntimeOptions {
  db: Executor;
  handlers: CommandHandlers;
  /** Epoch milliseconds. */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** How often the timer loop looks for due timers at most. */
  tickMs?: number;
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
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: RuntimeOptions) {
    this.now = options.now ?? Date.now;
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
    const commands = await inTransaction(this.options.db, async (trx) => {
      const store = createRunStore(trx);
      const { lockedBy } = await store.insertRun(record, request.locks);
      if (lockedBy) {
        throw RolloutBusy(
          `${lockedBy.resource.replace(':', ' ')} is being rolled out by run ${lockedBy.runId}; wait for it or abort it`,
          {
            extensions: { runId: lockedBy.runId, resource: lockedBy.resource },
          },
        );
      }
      await store.appendEvent({
        runId,
        seq: 1,
        at,
        actor: request.startedBy,
        event: { type: 'run_started', startedBy: request.startedBy },
        transitions: result.transitions,
      });
      return this.recordCommands(trx, runId, 1, result);
    });
    this.announce(record, result);
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
      const out = await inTransaction(this.options.db, async (trx) => {
        const store = createRunStore(trx);
        const run = await store.getRun(runId);
        if (!run) throw NotFound(`rollout run "${runId}" does not exist`);
        if (settle?.timerId && !(await store.deleteTimer(runId, settle.timerId))) return null; // fired elsewhere already
        if (settle?.opId) {
          const op = await store.getOp(settle.opId);
          if (!op || op.status === 'done') return null; // answered already
          await store.completeOp(settle.opId, settle.outcome ?? null);
        }
        const at = this.now();
        const result = transition(run.state as RunState, event, at);
        const seq = run.seq + 1;
        if (
          !(await store.advance(
            runId,
            run.seq,
            result.state,
            result.state.status,
            new Date(at).toISOString(),
          ))
        ) {
          throw RunChanged(`run ${runId} changed while ${event.type} was applied; retry`);
        }
        await store.appendEvent({ runId, seq, at, actor, event, transitions: result.transitions });
        commands = await this.recordCommands(trx, runId, seq, result);
        context = this.context(run);
        return { run: { ...run, seq, state: result.state, status: result.state.status }, result };
      });
      if (!out) return null;
      this.announce(out.run, out.result);
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
    this.scheduleTick(0);
    return active.length;
  }

  /** Looks for due timers now (after a clock jump in tests, or a manual nudge). */
  poke(): void {
    this.scheduleTick(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private context(run: RunRecord): RunContext {
    return { runId: run.id, rollout: run.rollout, environment: run.environment, startedBy: run.startedBy };
  }

  /** Timers and notices are settled here, in the event's transaction; the rest become op rows. */
  private async recordCommands(
    trx: Executor,
    runId: string,
    seq: number,
    result: TransitionResult,
  ): Promise<Command[]> {
    const store = createRunStore(trx);
    const toRun: Command[] = [];
    for (const command of result.commands) {
      if (command.kind === 'schedule_timer')
        await store.upsertTimer(runId, command.timerId, command.dueAt, command.purpose);
      else if (command.kind === 'cancel_timer') await store.deleteTimer(runId, command.timerId);
      else if (command.kind === 'notify')
        this.options.log?.(
          command.level === 'error' ? 'error' : command.level === 'warning' ? 'warn' : 'info',
          command.message,
          { runId, stage: command.stage },
        );
      if (RUNTIME_KINDS.has(command.kind)) continue;
      await store.insertOp({ opId: command.opId, runId, seq, command, status: 'pending', result: null });
      toRun.push(command);
    }
    if (isTerminal(result.state.status)) {
      await store.releaseLocks(runId);
      await store.deleteTimers(runId);
    }
    if (result.commands.some((c) => c.kind === 'schedule_timer')) queueMicrotask(() => this.scheduleTick(0));
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

  private scheduleTick(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  /** Fires every due timer once, then sleeps until the next one (at most `tickMs`). */
  private async tick(): Promise<void> {
    const store = createRunStore(this.options.db);
    try {
      for (const due of await store.dueTimers(this.now(), 100)) {
        await this.send(due.runId, { type: 'timer_fired', timerId: due.timerId }, 'timer', {
          timerId: due.timerId,
        }).catch((error: unknown) =>
          this.options.log?.('error', 'firing a timer failed', {
            runId: due.runId,
            timerId: due.timerId,
            error: String(error),
          }),
        );
      }
      const next = await store.nextTimerDue();
      const tickMs = this.options.tickMs ?? 1000;
      this.scheduleTick(next === null ? tickMs : Math.max(0, Math.min(tickMs, next - this.now())));
    } catch (error) {
      this.options.log?.('error', 'the rollout timer loop failed', { error: String(error) });
      this.scheduleTick(this.options.tickMs ?? 1000);
    }
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
