/**
 * Progressive: explicit Argo-like steps — setWeight, pause (timed, or until `resume`), analysis.
 * After the last step and the exit gates: 100% and retire the old version.
 */
import { normalizeThresholds, type Threshold } from '../../analysis/index.js';
import { metricWindow, planned } from '../pace.js';
import { parseDuration } from '../text.js';
import {
  type Check,
  checkRecord,
  deployBody,
  fail,
  idle,
  judge,
  measureBody,
  newCheck,
  remeasure,
  retireBody,
  stagePolicy,
  timer,
  trafficBody,
  withCheck,
  workloadRollback,
} from './common.js';
import type { ExecContext, ExecStep, StrategyExecutor } from './types.js';

export interface ProgressiveExec {
  phase:
    | 'deploy'
    | 'weight'
    | 'pause'
    | 'hold'
    | 'measure'
    | 'retry_wait'
    | 'stepped'
    | 'promote'
    | 'retire'
    | 'done';
  awaiting: string;
  /** Index of the current step. */
  index: number;
  weight: number;
  check?: Check;
  ticks: number;
  stableRetired: boolean;
}

type Ctx = ExecContext<'progressive'>;

function out(
  exec: ProgressiveExec,
  rest: Omit<ExecStep<ProgressiveExec>, 'exec' | 'weight'> = { emits: [] },
) {
  return { ...rest, exec, weight: exec.weight };
}

function analysisOf(ctx: Ctx, index: number) {
  const step = ctx.stage.config.steps[index];
  return step && 'analysis' in step ? step.analysis : undefined;
}

function thresholdsAt(ctx: Ctx, index: number): Threshold[] {
  const a = analysisOf(ctx, index);
  return a ? normalizeThresholds(a.thresholds, a.metrics) : [];
}

/** Run step `index`, or signal the end of the walk. */
function runStep(ctx: Ctx, exec: ProgressiveExec, index: number): ExecStep<ProgressiveExec> {
  const step = ctx.stage.config.steps[index];
  const base: ProgressiveExec = { ...exec, index };
  delete base.check;
  if (!step)
    return out({ ...base, phase: 'stepped', awaiting: '' }, { emits: [], signal: { type: 'acted' } });
  const label = `s${index}`;
  if ('setWeight' in step) {
    return out(
      { ...base, phase: 'weight', awaiting: label },
      {
        emits: [{ step: label, body: trafficBody(ctx.stage.config.app_name, step.setWeight) }],
        waitingFor: `setting weight ${step.setWeight}%`,
      },
    );
  }
  if ('pause' in step) {
    if (step.pause.duration === undefined) {
      return out(
        { ...base, phase: 'hold', awaiting: 'resume' },
        { emits: [], waitingFor: `paused at step ${index}: resume to continue` },
      );
    }
    return out(
      { ...base, phase: 'pause', awaiting: label },
      {
        emits: [
          timer(label, ctx.now + planned(ctx, parseDuration(step.pause.duration)), 'progressive pause'),
        ],
        waitingFor: `pausing ${step.pause.duration} at ${exec.weight}%`,
      },
    );
  }
  return measure(ctx, base);
}

function measure(ctx: Ctx, exec: ProgressiveExec): ExecStep<ProgressiveExec> {
  const analysis = analysisOf(ctx, exec.index);
  const thresholds = thresholdsAt(ctx, exec.index);
  if (!analysis || thresholds.length === 0) return runStep(ctx, exec, exec.index + 1);
  const windowMs = metricWindow(ctx, parseDuration(analysis.window));
  const check = exec.check ? { ...exec.check } : newCheck(ctx, planned(ctx, parseDuration(analysis.window)));
  check.seq += 1;
  check.windowMs = windowMs;
  const ticks = exec.ticks + 1;
  const label = `s${exec.index}/m${ticks}`;
  const target = { app: ctx.stage.config.app_name, role: 'canary' as const };
  return out(
    { ...exec, phase: 'measure', awaiting: label, check, ticks },
    {
      emits: [{ step: label, body: measureBody(target, thresholds, windowMs) }],
      waitingFor: 'analysis running',
    },
  );
}

export const progressiveExecutor: StrategyExecutor<'progressive', ProgressiveExec> = {
  start(ctx) {
    return out(
      { phase: 'deploy', awaiting: 'deploy', index: 0, weight: 0, ticks: 0, stableRetired: false },
      {
        emits: [{ step: 'deploy', body: deployBody(ctx, ctx.stage.config, 'canary') }],
        waitingFor: `deploying ${ctx.version}`,
      },
    );
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const why = outcome.error ?? 'unknown';
    const app = ctx.stage.config.app_name;
    switch (exec.phase) {
      case 'deploy':
        return outcome.ok ? runStep(ctx, exec, 0) : fail(exec, `deploy failed: ${why}`, 0);
      case 'weight': {
        if (!outcome.ok) return fail(exec, `setting weight failed: ${why}`, exec.weight);
        const s = ctx.stage.config.steps[exec.index];
        const weight = s && 'setWeight' in s ? s.setWeight : exec.weight;
        return runStep(ctx, { ...exec, weight }, exec.index + 1);
      }
      case 'measure': {
        const before = exec.check ?? newCheck(ctx, 0);
        const j = judge(outcome, thresholdsAt(ctx, exec.index), before, {
          now: ctx.now,
          policy: stagePolicy(ctx),
        });
        const { verdict, check } = j;
        const rec = checkRecord(j, outcome);
        if (verdict.type === 'pass') return withCheck(runStep(ctx, exec, exec.index + 1), rec);
        if (verdict.type === 'fail')
          return withCheck(fail(exec, `analysis at step ${exec.index}: ${verdict.reason}`, exec.weight), rec);
        const ticks = exec.ticks + 1;
        const label = `s${exec.index}/retry${ticks}`;
        return withCheck(
          out({ ...exec, phase: 'retry_wait', awaiting: label, ticks, check }, remeasure(label, verdict)),
          rec,
        );
      }
      case 'promote':
        if (!outcome.ok) return fail(exec, `promotion to 100% failed: ${why}`, exec.weight);
        return out(
          { ...exec, weight: 100, phase: 'retire', awaiting: 'retire' },
          { emits: [{ step: 'retire', body: retireBody(ctx, app, 'stable') }] },
        );
      case 'retire':
        return out(
          { ...exec, phase: 'done', awaiting: '', stableRetired: outcome.ok },
          {
            emits: outcome.ok
              ? []
              : [
                  {
                    step: 'retire',
                    body: {
                      kind: 'notify',
                      level: 'warning',
                      message: `retiring the old version of ${app} failed: ${why}`,
                    },
                  },
                ],
            signal: { type: 'completed' },
          },
        );
      default:
        return idle(exec);
    }
  },

  onTimer(ctx, exec, step) {
    if (step !== exec.awaiting) return idle(exec);
    if (exec.phase === 'pause') return runStep(ctx, exec, exec.index + 1);
    if (exec.phase === 'retry_wait') return measure(ctx, exec);
    return idle(exec);
  },

  verify: (ctx, exec) => thresholdsAt(ctx, exec.index),

  finish(ctx, exec) {
    const app = ctx.stage.config.app_name;
    if (exec.weight < 100) {
      return out(
        { ...exec, phase: 'promote', awaiting: 'promote' },
        { emits: [{ step: 'promote', body: trafficBody(app, 100) }], waitingFor: 'promoting to 100%' },
      );
    }
    return out(
      { ...exec, phase: 'retire', awaiting: 'retire' },
      { emits: [{ step: 'retire', body: retireBody(ctx, app, 'stable') }] },
    );
  },

  promotable: (exec) => ['pause', 'hold', 'measure', 'retry_wait', 'stepped'].includes(exec.phase),
  resume: (ctx, exec) => (exec.phase === 'hold' ? runStep(ctx, exec, exec.index + 1) : idle(exec)),
  rollback: (ctx, exec) =>
    workloadRollback(ctx, ctx.stage.config.app_name, ctx.stage.config, exec?.stableRetired ?? false),
};
