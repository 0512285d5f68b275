/**
 * Canary: weight = min(initial + k·increment, max_weight), one step per interval with a
 * verification at each; at max_weight it keeps verifying for monitor_duration, then (after the
 * exit gates) promotes to 100% and retires the old version. Rollback: weight 0, retire canary.
 */
import { type CompareMemory, normalizeThresholds, type Threshold } from '../../analysis/index.js';
import { metricWindow, planned } from '../pace.js';
import { canaryWeight } from '../plan/canary-weight.js';
import {
  type Check,
  checkRecord,
  deployBody,
  fail,
  idle,
  judge,
  judgeBreach,
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

export interface CanaryExec {
  phase: 'deploy' | 'shift' | 'wait' | 'measure' | 'verified' | 'promote' | 'retire' | 'done';
  awaiting: string;
  k: number;
  weight: number;
  monitorUntil?: number;
  check?: Check;
  /** The baseline comparison, carried from step to step of the stage. */
  memory?: CompareMemory;
  stableRetired: boolean;
  /** Counts timers and measurements so every one gets its own op id. */
  ticks: number;
}

type Ctx = ExecContext<'canary'>;

export { canaryWeight };

const thresholdsOf = (ctx: Ctx): Threshold[] => normalizeThresholds(ctx.stage.config.thresholds);
const intervalMs = (ctx: Ctx) => planned(ctx, ctx.stage.config.interval_seconds * 1000);

function out(exec: CanaryExec, step: Omit<ExecStep<CanaryExec>, 'exec' | 'weight'> = { emits: [] }) {
  return { ...step, exec, weight: exec.weight };
}

function shift(ctx: Ctx, exec: CanaryExec, k: number): ExecStep<CanaryExec> {
  const target = canaryWeight(ctx.stage.config, k);
  const step = `w${k}`;
  const next: CanaryExec = { ...exec, phase: 'shift', awaiting: step, k };
  delete next.check;
  return out(next, {
    emits: [{ step, body: trafficBody(ctx.stage.config.app_name, target) }],
    waitingFor: `shifting ${target}% of traffic to ${ctx.version}`,
  });
}

function wait(ctx: Ctx, exec: CanaryExec): ExecStep<CanaryExec> {
  let ms = intervalMs(ctx);
  if (exec.monitorUntil !== undefined && exec.monitorUntil > ctx.now)
    ms = Math.min(ms, exec.monitorUntil - ctx.now);
  const ticks = exec.ticks + 1;
  const step = `w${exec.k}/wait${ticks}`;
  return out(
    { ...exec, phase: 'wait', awaiting: step, ticks },
    {
      emits: [timer(step, ctx.now + ms, 'canary step interval')],
      waitingFor: `watching ${exec.weight}% canary until the next check`,
    },
  );
}

/** A step passed: go up one weight, keep monitoring at the top, or declare the walk done. */
function advance(ctx: Ctx, exec: CanaryExec): ExecStep<CanaryExec> {
  const cfg = ctx.stage.config;
  const base: CanaryExec = { ...exec };
  if (exec.check?.memory) base.memory = exec.check.memory;
  delete base.check;
  if (exec.weight < cfg.max_weight) return shift(ctx, base, exec.k + 1);
  if (exec.monitorUntil !== undefined && ctx.now < exec.monitorUntil) return wait(ctx, base);
  return out({ ...base, phase: 'verified', awaiting: '' }, { emits: [], signal: { type: 'acted' } });
}

function measure(ctx: Ctx, exec: CanaryExec): ExecStep<CanaryExec> {
  const thresholds = thresholdsOf(ctx);
  if (thresholds.length === 0) return advance(ctx, exec);
  const check = exec.check ? { ...exec.check } : newCheck(ctx, intervalMs(ctx), exec.memory);
  check.seq += 1;
  const ticks = exec.ticks + 1;
  const step = `w${exec.k}/m${ticks}`;
  const target = { app: ctx.stage.config.app_name, role: 'canary' as const };
  check.windowMs = metricWindow(ctx, ctx.stage.config.interval_seconds * 1000);
  return out(
    { ...exec, phase: 'measure', awaiting: step, check, ticks },
    {
      emits: [
        {
          step,
          body: measureBody(target, thresholds, check.windowMs),
        },
      ],
      waitingFor: `measuring ${thresholds.map((t) => t.metric).join(', ')} at ${exec.weight}%`,
    },
  );
}

export const canaryExecutor: StrategyExecutor<'canary', CanaryExec> = {
  start(ctx) {
    const exec: CanaryExec = {
      phase: 'deploy',
      awaiting: 'deploy',
      k: 0,
      weight: 0,
      stableRetired: false,
      ticks: 0,
    };
    return out(exec, {
      emits: [{ step: 'deploy', body: deployBody(ctx, ctx.stage.config, 'canary') }],
      waitingFor: `deploying ${ctx.version}`,
    });
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const cfg = ctx.stage.config;
    switch (exec.phase) {
      case 'deploy':
        return outcome.ok
          ? shift(ctx, exec, 0)
          : fail(exec, `deploy failed: ${outcome.error ?? 'unknown'}`, 0);
      case 'shift': {
        if (!outcome.ok)
          return fail(exec, `traffic shift failed: ${outcome.error ?? 'unknown'}`, exec.weight);
        const weight = canaryWeight(cfg, exec.k);
        const next: CanaryExec = { ...exec, weight };
        if (weight >= cfg.max_weight && next.monitorUntil === undefined) {
          next.monitorUntil = ctx.now + planned(ctx, cfg.monitor_duration_minutes * 60_000);
        }
        return wait(ctx, next);
      }
      case 'measure': {
        const before = exec.check ?? newCheck(ctx, intervalMs(ctx), exec.memory);
        const j = judge(outcome, thresholdsOf(ctx), before, {
          now: ctx.now,
          policy: stagePolicy(ctx),
        });
        const { verdict, check } = j;
        const rec = checkRecord(j, outcome);
        if (verdict.type === 'pass') return withCheck(advance(ctx, { ...exec, check }), rec);
        if (verdict.type === 'fail')
          return withCheck(fail(exec, `at ${exec.weight}%: ${verdict.reason}`, exec.weight), rec);
        const ticks = exec.ticks + 1;
        const retry = `w${exec.k}/retry${ticks}`;
        return withCheck(
          out({ ...exec, phase: 'wait', awaiting: retry, ticks, check }, remeasure(retry, verdict)),
          rec,
        );
      }
      case 'promote':
        if (!outcome.ok)
          return fail(exec, `promotion to 100% failed: ${outcome.error ?? 'unknown'}`, exec.weight);
        return out(
          { ...exec, weight: 100, phase: 'retire', awaiting: 'retire' },
          {
            emits: [{ step: 'retire', body: retireBody(ctx, cfg.app_name, 'stable') }],
            waitingFor: 'retiring old',
          },
        );
      case 'retire':
        // The new version serves everything; a failed scale-down is worth a warning, not a rollback.
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
                      message: `retiring the old version of ${cfg.app_name} failed: ${outcome.error ?? 'unknown'}`,
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
    if (step !== exec.awaiting || exec.phase !== 'wait') return idle(exec);
    return measure(ctx, exec);
  },

  verify: (ctx) => thresholdsOf(ctx),

  watching(ctx, exec) {
    const thresholds = thresholdsOf(ctx);
    if (thresholds.length === 0 || (exec.phase !== 'wait' && exec.phase !== 'measure')) return null;
    if (exec.weight <= 0) return null;
    return {
      app: ctx.stage.config.app_name,
      role: 'canary',
      thresholds,
      windowMs: metricWindow(ctx, ctx.stage.config.interval_seconds * 1000),
    };
  },

  onBreach(ctx, exec, outcome, looks) {
    if (exec.phase !== 'wait' && exec.phase !== 'measure') return idle(exec);
    const before = exec.check ?? newCheck(ctx, intervalMs(ctx), exec.memory);
    const found = judgeBreach(outcome, thresholdsOf(ctx), before, {
      now: ctx.now,
      policy: stagePolicy(ctx),
      looks,
    });
    if (!found) return idle(exec);
    return withCheck(
      fail(exec, `at ${exec.weight}%, between scheduled checks: ${found.reason}`, exec.weight),
      found.record,
    );
  },

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
      { emits: [{ step: 'retire', body: retireBody(ctx, app, 'stable') }], waitingFor: 'retiring old' },
    );
  },

  promotable: (exec) => exec.phase === 'wait' || exec.phase === 'measure' || exec.phase === 'verified',
  resume: (_ctx, exec) => idle(exec),
  rollback: (ctx, exec) =>
    workloadRollback(ctx, ctx.stage.config.app_name, ctx.stage.config, exec?.stableRetired ?? false),
};
