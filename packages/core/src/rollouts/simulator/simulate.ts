/**
 * The simulator: runs a plan through the real state machine on a virtual clock, answering its
 * commands from a scenario. Hours of plan take milliseconds; nothing here sleeps or does I/O.
 */

import type { Measurement } from '../../analysis/index.js';
import type { Command } from '../commands.js';
import type { RolloutEventInput } from '../events.js';
import { startRun, type TransitionResult, transition } from '../machine/index.js';
import type { Plan } from '../plan/plan-schema.js';
import { isTerminal, type RunState, type RunStatus, waitingFor } from '../state.js';
import { formatDuration, parseDuration } from '../text.js';
import { parseScenario, type Scenario, type ScenarioInput } from './scenario.js';

export interface SimulateOptions {
  /** Virtual epoch milliseconds at which the run starts. */
  startAt: number;
  /** Playback speed for `wallMs` (e.g. 3600: an hour of plan per second). Default 1. */
  timeScale?: number;
  runId?: string;
  /** Start the run time-scaled, as `sluice rollout start --time-scale N` does (pace.ts). */
  runTimeScale?: number;
  /** Safety bound on processed events. */
  maxEvents?: number;
}

export interface TimelineEntry {
  at: number;
  /** Offset from the start, e.g. "1h20m". */
  elapsed: string;
  /** Offset divided by timeScale, for playback. */
  wallMs: number;
  stage: string | null;
  from: string;
  to: string;
  reason: string;
  weights: Record<string, number>;
}

export interface SimulationResult {
  status: RunStatus;
  state: RunState;
  timeline: TimelineEntry[];
  commands: { at: number; command: Command }[];
  notes: string[];
  /** What the run still waits for when the simulation stopped. */
  waitingFor: string[];
  endedAt: number;
}

interface Queued {
  at: number;
  seq: number;
  event: RolloutEventInput;
  timerId?: string;
}

export function simulate(
  plan: Plan,
  scenarioInput: Scenario | ScenarioInput,
  opts: SimulateOptions,
): SimulationResult {
  const scenario = parseScenario(scenarioInput);
  const start = opts.startAt;
  const scale = opts.timeScale ?? 1;
  const latency = parseDuration(scenario.command_latency);
  const until =
    scenario.until === undefined ? Number.POSITIVE_INFINITY : start + parseDuration(scenario.until);
  const queue: Queued[] = [];
  const cancelled = new Set<string>();
  const failuresUsed = new Map<number, number>();
  let seq = 0;
  const push = (at: number, event: RolloutEventInput, timerId?: string) => {
    const q: Queued = { at, seq: seq++, event };
    if (timerId !== undefined) q.timerId = timerId;
    queue.push(q);
  };

  for (const a of scenario.approvals) {
    const ev: RolloutEventInput = { type: 'approve', stage: a.stage, subject: a.subject, roles: a.roles };
    if (a.comment !== undefined) ev.comment = a.comment;
    push(start + parseDuration(a.at), ev);
  }
  for (const r of scenario.rejections) {
    push(start + parseDuration(r.at), {
      type: 'reject',
      stage: r.stage,
      subject: r.subject,
      reason: r.reason,
    });
  }
  for (const c of scenario.controls) push(start + parseDuration(c.at), controlEvent(c));

  const timeline: TimelineEntry[] = [];
  const commands: { at: number; command: Command }[] = [];
  const notes: string[] = [];
  const absorb = (res: TransitionResult, at: number) => {
    for (const r of res.transitions) {
      timeline.push({ ...r, elapsed: formatDuration(r.at - start), wallMs: (r.at - start) / scale });
    }
    notes.push(...res.notes);
    for (const command of res.commands) {
      commands.push({ at, command });
      if (command.kind === 'schedule_timer')
        push(command.dueAt, { type: 'timer_fired', timerId: command.timerId }, command.timerId);
      else if (command.kind === 'cancel_timer') cancelled.add(command.timerId);
      else if (command.kind !== 'notify') push(at + latency, answer(command, at - start));
    }
    return res.state;
  };

  const answer = (command: Command, elapsed: number): RolloutEventInput => {
    const idx = scenario.failures.findIndex(
      (f, i) =>
        f.stage === command.stage &&
        f.command === command.kind &&
        elapsed >= parseDuration(f.at) &&
        (f.times === undefined || (failuresUsed.get(i) ?? 0) < f.times),
    );
    const failure = scenario.failures[idx];
    if (failure) {
      failuresUsed.set(idx, (failuresUsed.get(idx) ?? 0) + 1);
      return { type: 'command_result', opId: command.opId, ok: false, error: failure.error };
    }
    // a rollback webhook answering 2xx asks for a rollback: the simulated one never does
    if (command.kind === 'call_webhook' && command.hook === 'rollback')
      return { type: 'command_result', opId: command.opId, ok: false, error: 'simulated: no rollback asked' };
    if (command.kind === 'measure') {
      const measurements = readings(scenario, command.stage, command.metrics, elapsed);
      return { type: 'command_result', opId: command.opId, ok: true, data: { measurements } };
    }
    if (command.kind === 'set_flag') {
      return {
        type: 'command_result',
        opId: command.opId,
        ok: true,
        data: { previousVersion: scenario.flags[command.flagKey] ?? null },
      };
    }
    if (command.kind === 'experiment' && command.action === 'verdict') {
      // the simulator runs no experiment: its verdict is "ship" the first treatment arm
      const data = { decision: 'ship', arm: 'variant_a', reason: 'simulated: experiments are not simulated' };
      return { type: 'command_result', opId: command.opId, ok: true, data };
    }
    return { type: 'command_result', opId: command.opId, ok: true };
  };

  let state = absorb(
    startRun(
      plan,
      { runId: opts.runId ?? 'sim', startedBy: scenario.started_by, timeScale: opts.runTimeScale },
      start,
    ),
    start,
  );
  let now = start;
  const maxEvents = opts.maxEvents ?? 100_000;
  for (let n = 0; n < maxEvents && !isTerminal(state.status); n++) {
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = queue.shift();
    if (!next || next.at > until) break;
    if (next.timerId !== undefined && cancelled.has(next.timerId)) continue;
    now = Math.max(now, next.at);
    state = absorb(transition(state, next.event, now), now);
  }
  return {
    status: state.status,
    state,
    timeline,
    commands,
    notes,
    waitingFor: waitingFor(state),
    endedAt: now,
  };
}

function controlEvent(c: Scenario['controls'][number]): RolloutEventInput {
  const who = c.subject === undefined ? {} : { subject: c.subject };
  switch (c.action) {
    case 'pause':
      return { type: 'pause', ...who, ...(c.reason === undefined ? {} : { reason: c.reason }) };
    case 'resume':
      return { type: 'resume', ...who };
    case 'abort':
      return { type: 'abort', ...who, ...(c.reason === undefined ? {} : { reason: c.reason }) };
    case 'emergency':
      return { type: 'emergency', ...who, ...(c.reason === undefined ? {} : { reason: c.reason }) };
    case 'promote':
      return { type: 'promote', ...who, ...(c.stage === undefined ? {} : { stage: c.stage }) };
    case 'retry':
      return { type: 'retry', ...who, stage: c.stage ?? '' };
    case 'watchdog':
      return { type: 'watchdog' };
  }
}

/** The latest sample at or before `elapsed`, as measurements of the asked metrics. */
function readings(
  scenario: Scenario,
  stage: string | null,
  metrics: string[],
  elapsed: number,
): Measurement[] {
  const samples = (stage === null ? undefined : scenario.metrics[stage]) ?? [];
  let latest: (typeof samples)[number] | undefined;
  for (const s of samples) {
    if (parseDuration(s.at) <= elapsed && (!latest || parseDuration(s.at) >= parseDuration(latest.at)))
      latest = s;
  }
  if (!latest) return [];
  const out: Measurement[] = [];
  for (const metric of metrics) {
    if (latest.error !== undefined) {
      out.push({ metric, value: null, error: latest.error, sampleCount: 0 });
      continue;
    }
    const value = latest.values[metric];
    if (value === undefined) continue;
    out.push({
      metric,
      value,
      sampleCount: value === null ? 0 : (latest.sampleCount ?? scenario.sample_count),
    });
  }
  return out;
}
