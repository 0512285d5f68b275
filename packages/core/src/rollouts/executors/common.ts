/** Pieces several executors share: workload commands, measuring with patience, rollback. */

import {
  type AnalysisPolicy,
  type AnalysisPolicyInput,
  type Assessment,
  assess,
  type CompareMemory,
  type Decision,
  decide,
  freshMemory,
  measurementSchema,
  policyOf,
  type Tallies,
  type Threshold,
  tally,
} from '../../analysis/index.js';
import type { CommandBody } from '../commands.js';
import { MIN_SCALED_WINDOW_MS, type Paced, plannedAtLeast } from '../pace.js';
import type { CommandOutcome, Emit, ExecContext, ExecStep } from './types.js';

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
  options: Parameters<typeof assess>[2] = {},
): Assessment {
  const parsed = measurementSchema.array().safeParse(outcome.data.measurements);
  if (!outcome.ok || !parsed.success) {
    const why = outcome.ok ? 'malformed measurements' : `provider error: ${outcome.error ?? 'unknown'}`;
    // every metric gets the reason, so the check is recorded and tallied as a provider error
    const metrics = thresholds.map((t) => ({
      metric: t.metric,
      verdict: 'inconclusive' as const,
      value: null,
      reason: `${t.metric}: ${why}`,
      threshold: {
        ...(t.min === undefined ? {} : { min: t.min }),
        ...(t.max === undefined ? {} : { max: t.max }),
      },
      samples: 0,
      minSamples: Math.max(1, t.minSamples),
      providerFailed: true,
    }));
    const out: Assessment = { verdict: 'inconclusive', reasons: [why], metrics };
    if (options.memory) out.memory = options.memory;
    return out;
  }
  return assess(parsed.data, thresholds, options);
}

/** Patience for inconclusive readings: state carried by executors and gates. */
export interface Check {
  /** When the first measurement of this check was asked for. */
  since: number;
  /** Counts measurements, so each has its own op id. */
  seq: number;
  deadline: number;
  /** How long a step may stay inconclusive (run time); renewed after a pause. */
  graceMs?: number;
  /** How long to wait before measuring again after an inconclusive reading (run time). */
  remeasureMs?: number;
  last?: string[];
  /** Failed, inconclusive and errored checks per metric, against the stage's limits. */
  tallies?: Tallies;
  /** What the baseline comparison carries from check to check. */
  memory?: CompareMemory;
  /** The window the pending measurement asked for (run time). */
  windowMs?: number;
  /** The run paused on inconclusive checks: the next reading starts the counts afresh. */
  paused?: boolean;
}

/**
 * `stepMs` is in run time already (scaled). The grace and the remeasure interval are scaled
 * too, but a sped-up run still waits as long as one metric window for data to arrive, and
 * does not measure more than once a second. `memory` carries the baseline comparison over
 * from an earlier step of the same stage.
 */
export function newCheck(ctx: Paced & { now: number }, stepMs: number, memory?: CompareMemory): Check {
  const graceMs = Math.max(stepMs, plannedAtLeast(ctx, MIN_INCONCLUSIVE_GRACE_MS, MIN_SCALED_WINDOW_MS));
  const check: Check = {
    since: ctx.now,
    seq: 0,
    deadline: ctx.now + graceMs,
    graceMs,
    remeasureMs: plannedAtLeast(ctx, REMEASURE_MS, 1_000),
  };
  if (memory) check.memory = memory;
  return check;
}

export type CheckOutcome =
  | { type: 'pass' }
  | { type: 'fail'; reason: string; decisive: boolean }
  | { type: 'retry'; at: number }
  | { type: 'pause'; reason: string; at: number };

export interface Judged {
  verdict: CheckOutcome;
  /** The check with this reading counted; keep it for the next one. */
  check: Check;
  assessment: Assessment;
  decision: Decision;
}

/**
 * Judges one `measure` result under the stage's policy: the verdict of every metric, the
 * limits over the checks so far, and what the step does next — pass, fail, measure again, or
 * pause the run for a person.
 */
export function judge(
  outcome: { ok: boolean; data: Record<string, unknown>; error?: string },
  thresholds: Threshold[],
  before: Check,
  at: { now: number; policy: AnalysisPolicy },
): Judged {
  let check: Check = { ...before };
  if (check.paused) {
    // resumed after a pause: a person asked for fresh checks, with a fresh deadline
    delete check.paused;
    check.tallies = {};
    check.deadline = at.now + (check.graceMs ?? MIN_INCONCLUSIVE_GRACE_MS);
  }
  const options: Parameters<typeof assess>[2] = { policy: at.policy, now: at.now };
  if (check.memory) options.memory = check.memory;
  if (check.windowMs !== undefined) options.windowMs = check.windowMs;
  const assessment = assessResult(outcome, thresholds, options);
  const tallies = tally(check.tallies ?? {}, assessment);
  check = { ...check, tallies, last: assessment.reasons };
  if (assessment.memory) check.memory = assessment.memory;
  const decision = decide(tallies, assessment, at.policy, at.now >= check.deadline);
  const next = Math.min(at.now + (check.remeasureMs ?? REMEASURE_MS), check.deadline);
  const verdict: CheckOutcome =
    decision.type === 'pass'
      ? { type: 'pass' }
      : decision.type === 'fail'
        ? { type: 'fail', reason: `metrics failed: ${decision.reason}`, decisive: decision.decisive }
        : decision.type === 'pause'
          ? {
              type: 'pause',
              reason: `metrics inconclusive, paused for a person: ${decision.reason}`,
              at: at.now + (check.remeasureMs ?? REMEASURE_MS),
            }
          : { type: 'retry', at: next };
  if (verdict.type === 'pause') check.paused = true;
  return { verdict, check, assessment, decision };
}

/**
 * A reading taken between scheduled checks (the routers pushed new counts). Only a decisive
 * failure counts — a bound passed with the policy's confidence, or the sequential test
 * crossing — and it fails the step at once. `looks` earlier fast looks spend their share of α
 * first, so looking at every push keeps the bound's false-alarm rate. Otherwise null: the
 * scheduled checks keep their pace, their tallies and their patience.
 */
export function judgeBreach(
  outcome: CommandOutcome,
  thresholds: Threshold[],
  before: Check,
  at: { now: number; policy: AnalysisPolicy; looks: number },
): { reason: string; record: CheckRecord } | null {
  const memory: CompareMemory = { ...(before.memory ?? {}) };
  for (const t of thresholds) {
    const m = memory[t.metric];
    if (m) memory[t.metric] = { ...m, boundLooks: (m.boundLooks ?? 0) + at.looks };
    else if (at.looks > 0) memory[t.metric] = { ...freshMemory(), boundLooks: at.looks };
  }
  const check: Check = { ...before, memory };
  delete check.paused;
  const j = judge(outcome, thresholds, check, { now: at.now, policy: at.policy });
  if (j.verdict.type !== 'fail' || !j.verdict.decisive) return null;
  return { reason: j.verdict.reason, record: checkRecord(j, outcome) };
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

/** What one check found and decided: kept in the run's history so `explain` can say why. */
export interface CheckRecord {
  decision: Decision['type'];
  reason: string;
  /** The limit that decided (failure_limit 0, inconclusive_limit 2, deadline …), if one did. */
  limit?: string;
  metrics: {
    metric: string;
    verdict: string;
    value: number | null;
    reason: string;
    samples: number;
    minSamples: number;
    threshold: { min?: number; max?: number };
    query?: string;
  }[];
}

export function checkRecord(j: Judged, outcome: { data: Record<string, unknown> }): CheckRecord {
  const queries = (outcome.data.queries ?? {}) as Record<string, unknown>;
  const rec: CheckRecord = {
    decision: j.decision.type,
    reason: j.decision.reason,
    metrics: j.assessment.metrics.map((m) => {
      const q = queries[m.metric];
      return {
        metric: m.metric,
        verdict: m.verdict,
        value: m.value,
        reason: m.reason,
        samples: m.samples,
        minSamples: m.minSamples,
        threshold: m.threshold,
        ...(typeof q === 'string' ? { query: q } : {}),
      };
    }),
  };
  if ('limit' in j.decision) rec.limit = j.decision.limit;
  return rec;
}

/** Attaches what a check found to the step it led to. */
export function withCheck<S extends { checked?: CheckRecord }>(step: S, record: CheckRecord): S {
  return { ...step, checked: record };
}

/** The stage's analysis policy (its `analysis:`, or the defaults). */
export function stagePolicy(ctx: { stage: { analysis?: AnalysisPolicyInput | undefined } }): AnalysisPolicy {
  return policyOf(ctx.stage.analysis);
}

/** The timer that measures again after an inconclusive check, and a pause when the policy asks. */
export function remeasure(
  step: string,
  verdict: Extract<CheckOutcome, { type: 'retry' | 'pause' }>,
): Omit<ExecStep<unknown>, 'exec' | 'weight'> {
  const out: Omit<ExecStep<unknown>, 'exec' | 'weight'> = {
    emits: [timer(step, verdict.at, 'inconclusive metrics: measure again')],
    waitingFor: verdict.type === 'pause' ? verdict.reason : 'metrics inconclusive',
  };
  if (verdict.type === 'pause') out.signal = { type: 'paused', reason: verdict.reason };
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
