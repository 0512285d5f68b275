/** Drives the state machine by hand in tests: answer commands, fire timers, inspect. */

import type { Measurement } from '../../analysis/index.js';
import type { Command, CommandKind } from '../commands.js';
import type { RolloutEventInput } from '../events.js';
import { startRun, type TransitionResult, transition } from '../machine/index.js';
import { parsePlan } from '../plan/parse.js';
import type { Plan } from '../plan/plan-schema.js';
import type { RunState, StageRun } from '../state.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // a Monday, 09:00 UTC

export class Harness {
  readonly plan: Plan;
  state: RunState;
  now: number;
  readonly log: Command[];
  last: TransitionResult;

  constructor(planInput: unknown, opts: { startedBy?: string; now?: number; runId?: string } = {}) {
    this.plan = parsePlan(planInput);
    this.now = opts.now ?? T0;
    this.last = startRun(
      this.plan,
      { runId: opts.runId ?? 'r1', startedBy: opts.startedBy ?? 'alice' },
      this.now,
    );
    this.state = this.last.state;
    this.log = [...this.last.commands];
  }

  send(ev: RolloutEventInput, at: number = this.now): TransitionResult {
    this.now = Math.max(this.now, at);
    const r = transition(this.state, ev, this.now);
    this.state = r.state;
    this.log.push(...r.commands);
    this.last = r;
    return r;
  }

  /** The oldest command of this kind still waiting for a result. */
  pending(kind: CommandKind, stage?: string): Command {
    const c = this.log.find(
      (x) => x.kind === kind && this.state.pending[x.opId] && (stage === undefined || x.stage === stage),
    );
    if (!c)
      throw new Error(
        `no pending ${kind}${stage ? ` for ${stage}` : ''}; pending: ${Object.keys(this.state.pending).join(', ')}`,
      );
    return c;
  }

  hasPending(kind: CommandKind, stage?: string): boolean {
    return this.log.some(
      (x) =>
        x.kind === kind &&
        this.state.pending[x.opId] !== undefined &&
        (stage === undefined || x.stage === stage),
    );
  }

  ok(kind: CommandKind, data: Record<string, unknown> = {}, stage?: string): TransitionResult {
    return this.send({ type: 'command_result', opId: this.pending(kind, stage).opId, ok: true, data });
  }

  fail(kind: CommandKind, error = 'boom', stage?: string): TransitionResult {
    return this.send({ type: 'command_result', opId: this.pending(kind, stage).opId, ok: false, error });
  }

  measure(values: Record<string, number | null>, stage?: string, sampleCount = 100): TransitionResult {
    const cmd = this.pending('measure', stage);
    const measurements: Measurement[] = Object.entries(values).map(([metric, value]) => ({
      metric,
      value,
      sampleCount: value === null ? 0 : sampleCount,
    }));
    return this.send({ type: 'command_result', opId: cmd.opId, ok: true, data: { measurements } });
  }

  /** Timers of a stage (or all but the watchdog), earliest first. */
  timers(stage?: string): [string, RunState['timers'][string]][] {
    return Object.entries(this.state.timers)
      .filter(([, t]) => (stage === undefined ? t.owner !== 'watchdog' : t.stage === stage))
      .sort((a, b) => a[1].dueAt - b[1].dueAt);
  }

  /** Fire the earliest timer (optionally the earliest of one stage) at its due time. */
  fire(stage?: string): TransitionResult {
    const next = this.timers(stage)[0];
    if (!next) throw new Error('no timer set');
    return this.send({ type: 'timer_fired', timerId: next[0] }, next[1].dueAt);
  }

  stage(name: string): StageRun {
    const s = this.state.stages[name];
    if (!s) throw new Error(`no stage ${name}`);
    return s;
  }
}

export function harness(
  planInput: unknown,
  opts: { startedBy?: string; now?: number; runId?: string } = {},
): Harness {
  return new Harness(planInput, opts);
}
