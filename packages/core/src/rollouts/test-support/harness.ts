/** Drives the state machine by hand in tests: answer commands, fire timers, inspect. */
import type { Command, CommandKind } from '../commands.js';
import type { RolloutEventInput } from '../events.js';
import { startRun, type TransitionResult, transition } from '../machine/index.js';
import type { Measurement } from '../metrics.js';
import { parsePlan } from '../plan/parse.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // a Monday, 09:00 UTC

export function harness(planInput: unknown, opts: { startedBy?: string; now?: number; runId?: string } = {}) {
  const plan = parsePlan(planInput);
  const first = startRun(
    plan,
    { runId: opts.runId ?? 'r1', startedBy: opts.startedBy ?? 'alice' },
    opts.now ?? T0,
  );
  const h = {
    plan,
    state: first.state,
    now: opts.now ?? T0,
    log: [...first.commands] as Command[],
    last: first as TransitionResult,
    send(ev: RolloutEventInput, at: number = h.now): TransitionResult {
      h.now = Math.max(h.now, at);
      const r = transition(h.state, ev, h.now);
      h.state = r.state;
      h.log.push(...r.commands);
      h.last = r;
      return r;
    },
    /** The oldest command of this kind still waiting for a result. */
    pending(kind: CommandKind, stage?: string): Command {
      const c = h.log.find(
        (x) => x.kind === kind && h.state.pending[x.opId] && (stage === undefined || x.stage === stage),
      );
      if (!c)
        throw new Error(
          `no pending ${kind}${stage ? ` for ${stage}` : ''}; pending: ${Object.keys(h.state.pending).join(', ')}`,
        );
      return c;
    },
    hasPending(kind: CommandKind, stage?: string): boolean {
      return h.log.some(
        (x) =>
          x.kind === kind &&
          h.state.pending[x.opId] !== undefined &&
          (stage === undefined || x.stage === stage),
      );
    },
    ok(kind: CommandKind, data: Record<string, unknown> = {}, stage?: string) {
      return h.send({ type: 'command_result', opId: h.pending(kind, stage).opId, ok: true, data });
    },
    fail(kind: CommandKind, error = 'boom', stage?: string) {
      return h.send({ type: 'command_result', opId: h.pending(kind, stage).opId, ok: false, error });
    },
    measure(values: Record<string, number | null>, stage?: string, sampleCount = 100) {
      const cmd = h.pending('measure', stage);
      const measurements: Measurement[] = Object.entries(values).map(([metric, value]) => ({
        metric,
        value,
        sampleCount: value === null ? 0 : sampleCount,
      }));
      return h.send({ type: 'command_result', opId: cmd.opId, ok: true, data: { measurements } });
    },
    /** Fire the earliest timer (optionally the earliest of one stage) at its due time. */
    fire(stage?: string) {
      const timers = Object.entries(h.state.timers)
        .filter(([, t]) => (stage === undefined ? t.owner !== 'watchdog' : t.stage === stage))
        .sort((a, b) => a[1].dueAt - b[1].dueAt);
      const next = timers[0];
      if (!next) throw new Error('no timer set');
      return h.send({ type: 'timer_fired', timerId: next[0] }, next[1].dueAt);
    },
    stage(name: string) {
      const s = h.state.stages[name];
      if (!s) throw new Error(`no stage ${name}`);
      return s;
    },
  };
  return h;
}
