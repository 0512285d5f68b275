/**
 * Records a stage's latest metric checks from a `measure` result, after the gate or executor
 * has judged it: so `status` can say which metric, its value or why there is none, the bound,
 * and when the stage looks again — without re-deriving any judgement.
 */
import { type Measurement, measurementSchema, unitOf } from '../../analysis/index.js';
import type { StageCheck } from '../checks.js';
import { assessResult, type Check } from '../executors/common.js';
import type { CommandOutcome } from '../executors/types.js';
import type { Route, RunState } from '../state.js';
import { stageRun, type Tx } from './tx.js';

/** Timers that end a wait rather than continue it (a gate's timeout). */
const isTimeout = (purpose: string) => purpose.endsWith('timeout');
/** Stages that may still look at metrics; once finishing, their checks are history. */
const MEASURING: ReadonlySet<string> = new Set(['gating', 'running', 'verifying']);

export function recordChecks(tx: Tx, name: string, route: Route, outcome: CommandOutcome): void {
  if (!route.check) return;
  const s = stageRun(tx, name);
  const { thresholds, windowSeconds } = route.check;
  const assessment = assessResult(outcome, thresholds);
  const parsed = measurementSchema.array().safeParse(outcome.data.measurements);
  const measured = new Map<string, Measurement>(
    (parsed.success ? parsed.data : []).map((m) => [m.metric, m]),
  );
  const queries = (outcome.data.queries ?? {}) as Record<string, unknown>;
  const next = MEASURING.has(s.status) ? nextTimer(tx.state, name) : null;
  s.checks = thresholds.map((t): StageCheck => {
    const judged = assessment.metrics.find((m) => m.metric === t.metric);
    const m = measured.get(t.metric);
    const threshold: StageCheck['threshold'] = {};
    if (t.min !== undefined) threshold.min = t.min;
    if (t.max !== undefined) threshold.max = t.max;
    const query = queries[t.metric];
    return {
      metric: t.metric,
      query: typeof query === 'string' ? query : null,
      window: `${windowSeconds}s`,
      value: m?.value ?? null,
      reason: judged?.reason ?? assessment.reasons.join('; '),
      threshold,
      unit: unitOf(t.metric),
      samples: m?.sampleCount ?? 0,
      minSamples: Math.max(1, t.minSamples),
      verdict: judged?.verdict ?? 'inconclusive',
      nextAt: next,
    };
  });
  s.checkedAt = tx.now;
}

/**
 * A stage's latest checks as of now: the recorded readings, with `nextAt` the stage's next
 * timer (its next look) while it is active, and the time inconclusive readings turn into a
 * failure while it keeps trying.
 */
export function stageChecks(
  state: RunState,
  name: string,
): { checks: StageCheck[]; checkedAt: number | null; deadline: number | null } {
  const s = state.stages[name];
  if (!s?.checks) return { checks: [], checkedAt: null, deadline: null };
  const next = MEASURING.has(s.status) ? nextTimer(state, name) : null;
  const unsure = s.checks.some((c) => c.verdict === 'inconclusive');
  const deadline = unsure && next !== null ? (deadlineOf(s.gate?.check ?? s.exec) ?? null) : null;
  return {
    checks: s.checks.map((c) => ({ ...c, nextAt: next })),
    checkedAt: s.checkedAt ?? null,
    deadline,
  };
}

/** The stage's earliest timer that is not a timeout: when it looks at its metrics again. */
function nextTimer(state: RunState, name: string): number | null {
  let at: number | null = null;
  for (const t of Object.values(state.timers)) {
    if (t.stage !== name || isTimeout(t.purpose)) continue;
    if (at === null || t.dueAt < at) at = t.dueAt;
  }
  return at;
}

/** The deadline of the check a gate or executor keeps (every executor names it `check`). */
function deadlineOf(holder: unknown): number | undefined {
  if (holder === null || typeof holder !== 'object') return undefined;
  const check = 'deadline' in holder ? (holder as Check) : (holder as { check?: Check }).check;
  return typeof check?.deadline === 'number' ? check.deadline : undefined;
}
