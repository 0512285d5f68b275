/**
 * Gates at run time. Manual gates wait for every required approver (distinct subjects, never
 * the run's starter unless allowed; an approver entry is a role, matched against the token's
 * roles only — never its subject, which anyone minting tokens could name alike); scheduled gates wait for their time; metric gates measure
 * until a pass, a fail, or their timeout; automatic gates pass unless they carry thresholds.
 * Manual and scheduled gates without timeout_minutes wait for as long as it takes, visibly.
 */

import { normalizeThresholds, type Threshold } from '../analysis/index.js';
import type { CommandBody } from './commands.js';
import {
  type Check,
  type CheckRecord,
  checkRecord,
  type Emit,
  judge,
  measureBody,
  newCheck,
  stagePolicy,
  timer,
} from './executors/index.js';
import type { CommandOutcome } from './executors/types.js';
import { MIN_SCALED_WINDOW_MS, metricWindow, type Paced, planned, plannedAtLeast } from './pace.js';
import type { Gate } from './plan/gate-schema.js';
import type { Stage } from './plan/plan-schema.js';
import { scheduledOpening } from './schedule.js';
import { formatDuration, parseDuration } from './text.js';

/** Metric gates without timeout_minutes give up after this long. */
export const DEFAULT_METRIC_GATE_TIMEOUT_MS = 30 * 60_000;

export interface Approval {
  subject: string;
  /** The required_approvers entry this approval satisfies. */
  as: string;
  at: number;
  comment?: string;
}

export interface GateProgress {
  phase: 'entry' | 'exit';
  index: number;
  type: Gate['type'];
  startedAt: number;
  approvals: Approval[];
  /** The step of the timer or measurement the gate waits on. */
  awaiting: string;
  timeoutStep?: string;
  check?: Check;
  ticks: number;
  waitingFor: string;
}

export type GateVerdict = { type: 'pass'; reason: string } | { type: 'fail'; reason: string };

export interface GateStep {
  progress: GateProgress;
  emits: Emit[];
  verdict?: GateVerdict;
  /** An approval that did not count, and why. */
  refused?: string;
  /** Checks stayed inconclusive and the policy says a person decides: pause the run. */
  pause?: string;
  /** The metric check this step followed from, for the run's history. */
  checked?: CheckRecord;
}

export interface GateContext extends Paced {
  stage: Stage;
  gate: Gate;
  startedBy: string;
  now: number;
}

const label = (p: Pick<GateProgress, 'phase' | 'index'>) => `${p.phase}-gate${p.index}`;

function gateThresholds(gate: Gate): Threshold[] {
  return normalizeThresholds(gate.thresholds, gate.metrics);
}

function measureTarget(stage: Stage): CommandBody<'measure'>['target'] {
  if (stage.strategy === 'feature_flag') return { flagKey: stage.config.flag_key };
  if (stage.strategy === 'ab_test') return {};
  return { app: stage.config.app_name, role: stage.strategy === 'shadow' ? 'shadow' : 'canary' };
}

/**
 * The gate's timeout in run time, or undefined when it waits for as long as it takes. A
 * sped-up run still gives a gate one metric window (or its planned timeout, if shorter): data
 * and people do not arrive faster because the plan runs faster.
 */
function timeoutMs(ctx: GateContext): number | undefined {
  const ms = plannedTimeoutMs(ctx.gate);
  return ms === undefined ? undefined : plannedAtLeast(ctx, ms, MIN_SCALED_WINDOW_MS);
}

function plannedTimeoutMs(gate: Gate): number | undefined {
  if (gate.timeout_minutes !== undefined) return gate.timeout_minutes * 60_000;
  const measures =
    gate.type === 'metric_based' || (gate.type === 'automatic' && gateThresholds(gate).length > 0);
  return measures ? DEFAULT_METRIC_GATE_TIMEOUT_MS : undefined;
}

function stillNeeded(gate: Gate, approvals: readonly Approval[]): string[] {
  const left = [...gate.required_approvers];
  for (const a of approvals) {
    const i = left.indexOf(a.as);
    if (i >= 0) left.splice(i, 1);
  }
  return left;
}

function measure(ctx: GateContext, p: GateProgress): GateStep {
  const thresholds = gateThresholds(ctx.gate);
  const windowMs = metricWindow(ctx, parseDuration(ctx.gate.window));
  const check = p.check
    ? { ...p.check }
    : newCheck(ctx, timeoutMs(ctx) ?? planned(ctx, parseDuration(ctx.gate.window)));
  check.seq += 1;
  check.windowMs = windowMs;
  const ticks = p.ticks + 1;
  const step = `${label(p)}/m${ticks}`;
  return {
    progress: {
      ...p,
      awaiting: step,
      check,
      ticks,
      waitingFor: `${p.type} gate: measuring ${thresholds.map((t) => t.metric).join(', ')}`,
    },
    emits: [{ step, body: measureBody(measureTarget(ctx.stage), thresholds, windowMs) }],
  };
}

function schedule(ctx: GateContext, p: GateProgress): GateStep {
  const notBefore = ctx.gate.not_before ?? ctx.gate.conditions?.schedule_time;
  const opening = scheduledOpening(ctx.now, notBefore ? Date.parse(notBefore) : undefined, ctx.gate.schedule);
  if (opening === undefined)
    return { progress: p, emits: [], verdict: { type: 'fail', reason: 'the schedule window never opens' } };
  if (opening <= ctx.now)
    return { progress: p, emits: [], verdict: { type: 'pass', reason: 'inside the schedule' } };
  const ticks = p.ticks + 1;
  const step = `${label(p)}/open${ticks}`;
  return {
    progress: {
      ...p,
      awaiting: step,
      ticks,
      waitingFor: `scheduled gate: waiting until ${new Date(opening).toISOString()}`,
    },
    emits: [timer(step, opening, 'scheduled gate opens')],
  };
}

/** Start gate `index` of the stage. */
export function enterGate(ctx: GateContext, phase: 'entry' | 'exit', index: number): GateStep {
  const base: GateProgress = {
    phase,
    index,
    type: ctx.gate.type,
    startedAt: ctx.now,
    approvals: [],
    awaiting: '',
    ticks: 0,
    waitingFor: '',
  };
  const emits: Emit[] = [];
  const limit = timeoutMs(ctx);
  if (limit !== undefined) {
    base.timeoutStep = `${label(base)}/timeout`;
    emits.push(timer(base.timeoutStep, ctx.now + limit, `${ctx.gate.type} gate timeout`));
  }
  let step: GateStep;
  switch (ctx.gate.type) {
    case 'manual':
      step = {
        progress: { ...base, waitingFor: `approval from ${ctx.gate.required_approvers.join(', ')}` },
        emits: [],
      };
      break;
    case 'scheduled':
      step = schedule(ctx, base);
      break;
    case 'automatic':
      step =
        gateThresholds(ctx.gate).length === 0
          ? { progress: base, emits: [], verdict: { type: 'pass', reason: 'automatic gate' } }
          : measure(ctx, base);
      break;
    case 'metric_based':
      step = measure(ctx, base);
      break;
  }
  return step.verdict ? step : { ...step, emits: [...emits, ...step.emits] };
}

export function gateApprove(
  ctx: GateContext,
  p: GateProgress,
  ev: { subject: string; roles: string[]; comment?: string | undefined },
): GateStep {
  if (ctx.gate.type !== 'manual')
    return { progress: p, emits: [], refused: `the current gate is ${ctx.gate.type}, not manual` };
  if (ev.subject === ctx.startedBy && !ctx.gate.allow_self_approval) {
    return { progress: p, emits: [], refused: `${ev.subject} started this run and cannot approve it` };
  }
  if (p.approvals.some((a) => a.subject === ev.subject)) {
    return { progress: p, emits: [], refused: `${ev.subject} has already approved` };
  }
  const needed = stillNeeded(ctx.gate, p.approvals);
  // roles only (SECURITY.md, L5): a subject that happens to be spelt like a role is not one
  const as = needed.find((entry) => ev.roles.includes(entry));
  if (as === undefined) {
    return {
      progress: p,
      emits: [],
      refused: `${ev.subject} holds none of the roles still needed (${needed.join(', ')}); approvers match token roles, not subjects`,
    };
  }
  const approval: Approval = { subject: ev.subject, as, at: ctx.now };
  if (ev.comment !== undefined) approval.comment = ev.comment;
  const approvals = [...p.approvals, approval];
  const left = stillNeeded(ctx.gate, approvals);
  const progress = { ...p, approvals, waitingFor: left.length > 0 ? `approval from ${left.join(', ')}` : '' };
  if (left.length > 0) return { progress, emits: [] };
  const who = approvals.map((a) => `${a.subject} as ${a.as}`).join(', ');
  return { progress, emits: [], verdict: { type: 'pass', reason: `approved by ${who}` } };
}

export function gateReject(p: GateProgress, ev: { subject: string; reason: string }): GateStep {
  return {
    progress: p,
    emits: [],
    verdict: { type: 'fail', reason: `rejected by ${ev.subject}: ${ev.reason}` },
  };
}

export function gateResult(
  ctx: GateContext,
  p: GateProgress,
  step: string,
  outcome: CommandOutcome,
): GateStep {
  if (step !== p.awaiting) return { progress: p, emits: [] };
  const before = p.check ?? newCheck(ctx, 0);
  const judged = judge(outcome, gateThresholds(ctx.gate), before, {
    now: ctx.now,
    policy: stagePolicy(ctx),
  });
  const { verdict, check } = judged;
  const checked = checkRecord(judged, outcome);
  if (verdict.type === 'pass')
    return { progress: p, emits: [], checked, verdict: { type: 'pass', reason: `${p.type} gate passed` } };
  if (verdict.type === 'fail')
    return {
      progress: p,
      emits: [],
      checked,
      verdict: { type: 'fail', reason: `${p.type} gate: ${verdict.reason}` },
    };
  const ticks = p.ticks + 1;
  const retry = `${label(p)}/retry${ticks}`;
  return {
    progress: {
      ...p,
      awaiting: retry,
      ticks,
      check,
      waitingFor:
        verdict.type === 'pause'
          ? `${p.type} gate: ${verdict.reason}`
          : `${p.type} gate: metrics inconclusive, measuring again`,
    },
    emits: [timer(retry, verdict.at, 'inconclusive metrics: measure again')],
    checked,
    ...(verdict.type === 'pause' ? { pause: verdict.reason } : {}),
  };
}

export function gateTimer(ctx: GateContext, p: GateProgress, step: string): GateStep {
  if (step === p.timeoutStep) {
    const waited = formatDuration(ctx.now - p.startedAt);
    const what =
      ctx.gate.type === 'manual' ? 'approval' : ctx.gate.type === 'scheduled' ? 'schedule' : 'metrics';
    const last = p.check?.last ? `: ${p.check.last.join('; ')}` : '';
    return {
      progress: p,
      emits: [],
      verdict: { type: 'fail', reason: `${what} gate timed out after ${waited}${last}` },
    };
  }
  if (step !== p.awaiting) return { progress: p, emits: [] };
  if (ctx.gate.type === 'scheduled') return schedule(ctx, p);
  return measure(ctx, p);
}
