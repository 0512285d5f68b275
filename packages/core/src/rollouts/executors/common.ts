/** Pieces several executors share: workload commands, measuring with patience, rollback. */

import { type Assessment, assess, measurementSchema, type Threshold } from '../../analysis/index.js';
import type { CommandBody } from '../commands.js';
import { MIN_SCALED_WINDOW_MS, type Paced, plannedAtLeast } from '../pace.js';
import type { Emit, ExecContext, ExecStep } from './types.js';

/** How long to wait before measuring again after an inconclusive reading. */
export const REMEASURE_MS = 60_000;
/** The least time an inconclusive step is given before it fails. */
export const MIN_INCONCLUSIVE_GRACE_MS = 5 * 60_000;

interface Workload {
  app_name: string;
  namespace: string;
  image?: string | undefined;
  replicas?: number | undefined;
  ready_timeout_seconds: number;
}

export function deployBody(
  ctx: Pick<ExecContext, 'version'>,
  cfg: Workload,
  role: 'canary' | 'stable',
): CommandBody<'deploy'> {
  const body: CommandBody<'deploy'> = {
    kind: 'deploy',
    app: cfg.app_name,
    namespace: cfg.namespace,
    version: role === 'canary' ? ctx.version : 'stable',
    role,
    readyTimeoutSeconds: cfg.ready_timeout_seconds,
  };
  if (cfg.image !== undefined && role === 'canary') body.image = cfg.image;
  if (cfg.replicas !== undefined) body.replicas = cfg.replicas;
  return body;
}

export function trafficBody(app: string, canary: number, mirrorPercent = 0): CommandBody<'set_traffic'> {
  const w = Math.min(100, Math.max(0, canary));
  return { kind: 'set_traffic', app, weights: { stable: 100 - w, canary: w }, mirrorPercent };
}

export function retireBody(
  ctx: Pick<ExecContext, 'version'>,
  app: string,
  role: 'canary' | 'stable',
): CommandBody<'retire'> {
  return { kind: 'retire', app, version: role === 'canary' ? ctx.version : 'stable', role };
}

export function timer(step: string, dueAt: number, purpose: string): Emit {
  return { step, timer: { dueAt, purpose } };
}

export function measureBody(
  target: CommandBody<'measure'>['target'],
  thresholds: Threshold[],
  windowMs: number,
): CommandBody<'measure'> {
  return {
    kind: 'measure',
    target,
    metrics: thresholds.map((t) => t.metric),
    thresholds,
    windowSeconds: Math.max(1, Math.round(windowMs / 1000)),
  };
}

/** Reads `{measurements}` from a measure result; a failed or malformed result is inconclusive. */
export function assessResult(
  outcome: { ok: boolean; data: Record<string, unknown>; error?: string },
  thresholds: Threshold[],
): Assessment {
  const parsed = measurementSchema.array().safeParse(outcome.data.measurements);
  if (!outcome.ok || !parsed.success) {
    const why = outcome.ok ? 'malformed measurements' : `provider error: ${outcome.error ?? 'unknown'}`;
    return { verdict: 'inconclusive', reasons: [why], metrics: [] };
  }
  return assess(parsed.data, thresholds);
}

/** Patience for inconclusive readings: state carried by executors and gates. */
export interface Check {
  /** When the first measurement of this check was asked for. */
  since: number;
  /** Counts measurements, so each has its own op id. */
  seq: number;
  deadline: number;
  /** How long to wait before measuring again after an inconclusive reading (run time). */
  remeasureMs?: number;
  last?: string[];
}

/**
 * `stepMs` is in run time already (scaled). The grace and the remeasure interval are scaled
 * too, but a sped-up run still waits as long as one metric window for data to arrive, and
 * does not measure more than once a second.
 */
export function newCheck(ctx: Paced & { now: number }, stepMs: number): Check {
  return {
    since: ctx.now,
    seq: 0,
    deadline:
      ctx.now + Math.max(stepMs, plannedAtLeast(ctx, MIN_INCONCLUSIVE_GRACE_MS, MIN_SCALED_WINDOW_MS)),
    remeasureMs: plannedAtLeast(ctx, REMEASURE_MS, 1_000),
  };
}

export type CheckOutcome =
  | { type: 'pass' }
  | { type: 'fail'; reason: string }
  | { type: 'retry'; at: number };

/** pass / fail, or measure again later; past the deadline inconclusive becomes a failure. */
export function judge(a: Assessment, check: Check, now: number): CheckOutcome {
  if (a.verdict === 'pass') return { type: 'pass' };
  if (a.verdict === 'fail') return { type: 'fail', reason: `metrics failed: ${a.reasons.join('; ')}` };
  if (now >= check.deadline) {
    return { type: 'fail', reason: `metrics inconclusive until the step timed out: ${a.reasons.join('; ')}` };
  }
  return { type: 'retry', at: Math.min(now + (check.remeasureMs ?? REMEASURE_MS), check.deadline) };
}

/** Undo for anything that runs a canary beside a stable version. */
export function workloadRollback(
  ctx: Pick<ExecContext, 'version'>,
  app: string,
  cfg: Workload,
  stableRetired: boolean,
): { step: string; body: CommandBody }[] {
  const out: { step: string; body: CommandBody }[] = [];
  if (stableRetired) out.push({ step: 'rollback/0', body: deployBody(ctx, cfg, 'stable') });
  out.push({ step: 'rollback/1', body: trafficBody(app, 0, 0) });
  out.push({ step: 'rollback/2', body: retireBody(ctx, app, 'canary') });
  return out;
}

export function fail<E>(exec: E, reason: string, weight?: number): ExecStep<E> {
  const step: ExecStep<E> = { exec, emits: [], signal: { type: 'failed', reason } };
  if (weight !== undefined) step.weight = weight;
  return step;
}

export function idle<E>(exec: E): ExecStep<E> {
  return { exec, emits: [] };
}
