/**
 * Feature flag: create or update the flag (flagd format, targeting rules translated to
 * JsonLogic), then walk rollout_stages raising the fractional share, verifying each stage's
 * thresholds when its duration is over. Rollback: restore the flag version that existed before.
 */

import { normalizeThresholds, type Threshold } from '../../analysis/index.js';
import type { CommandBody } from '../commands.js';
import { flagDefinitionFor } from '../flagd.js';
import { metricWindow, planned } from '../pace.js';
import {
  type Check,
  checkRecord,
  fail,
  idle,
  judge,
  measureBody,
  newCheck,
  remeasure,
  stagePolicy,
  timer,
  withCheck,
} from './common.js';
import type { ExecContext, ExecStep, StrategyExecutor } from './types.js';

export interface FeatureFlagExec {
  phase: 'set' | 'wait' | 'measure' | 'rolled_out' | 'finish' | 'done';
  awaiting: string;
  /** Index into rollout_stages (0 when not progressive). */
  index: number;
  weight: number;
  /** The flag's version before this stage first wrote it; null when it did not exist. */
  previousVersion?: number | null;
  check?: Check;
  ticks: number;
}

type Ctx = ExecContext<'feature_flag'>;

function out(
  exec: FeatureFlagExec,
  rest: Omit<ExecStep<FeatureFlagExec>, 'exec' | 'weight'> = { emits: [] },
) {
  return { ...rest, exec, weight: exec.weight };
}

/** The percentages the stage walks through. */
export function flagPercentages(cfg: Ctx['stage']['config']): number[] {
  if (cfg.progressive_rollout) return cfg.rollout_stages.map((s) => s.percentage);
  return [cfg.initial_percentage];
}

function setFlagBody(ctx: Ctx, percentage: number): CommandBody<'set_flag'> {
  const cfg = ctx.stage.config;
  const body: CommandBody<'set_flag'> = {
    kind: 'set_flag',
    flagKey: cfg.flag_key,
    percentage,
    flag: flagDefinitionFor(cfg, percentage),
  };
  if (cfg.environment !== undefined) body.environment = cfg.environment;
  return body;
}

function setAt(
  ctx: Ctx,
  exec: FeatureFlagExec,
  index: number,
  percentage: number,
): ExecStep<FeatureFlagExec> {
  const step = `p${index}`;
  const next: FeatureFlagExec = { ...exec, phase: 'set', awaiting: step, index };
  delete next.check;
  return out(next, {
    emits: [{ step, body: setFlagBody(ctx, percentage) }],
    waitingFor: `setting ${ctx.stage.config.flag_key} to ${percentage}%`,
  });
}

function thresholdsAt(ctx: Ctx, index: number): Threshold[] {
  const stage = ctx.stage.config.progressive_rollout ? ctx.stage.config.rollout_stages[index] : undefined;
  return normalizeThresholds(stage?.thresholds);
}

/** The planned duration of rollout stage `index` (real time, unscaled). */
function plannedDurationAt(ctx: Ctx, index: number): number {
  const stage = ctx.stage.config.progressive_rollout ? ctx.stage.config.rollout_stages[index] : undefined;
  return (stage?.duration_minutes ?? 0) * 60_000;
}

const durationAt = (ctx: Ctx, index: number) => planned(ctx, plannedDurationAt(ctx, index));

function advance(ctx: Ctx, exec: FeatureFlagExec): ExecStep<FeatureFlagExec> {
  const percentages = flagPercentages(ctx.stage.config);
  const nextIndex = exec.index + 1;
  const nextPercentage = percentages[nextIndex];
  if (nextPercentage === undefined) {
    const done: FeatureFlagExec = { ...exec, phase: 'rolled_out', awaiting: '' };
    delete done.check;
    return out(done, { emits: [], signal: { type: 'acted' } });
  }
  return setAt(ctx, exec, nextIndex, nextPercentage);
}

function measure(ctx: Ctx, exec: FeatureFlagExec): ExecStep<FeatureFlagExec> {
  const thresholds = thresholdsAt(ctx, exec.index);
  if (thresholds.length === 0) return advance(ctx, exec);
  const check = exec.check ? { ...exec.check } : newCheck(ctx, durationAt(ctx, exec.index));
  check.seq += 1;
  const ticks = exec.ticks + 1;
  const step = `p${exec.index}/m${ticks}`;
  const window = metricWindow(ctx, Math.max(60_000, plannedDurationAt(ctx, exec.index)));
  check.windowMs = window;
  return out(
    { ...exec, phase: 'measure', awaiting: step, check, ticks },
    {
      emits: [{ step, body: measureBody({ flagKey: ctx.stage.config.flag_key }, thresholds, window) }],
      waitingFor: `measuring ${thresholds.map((t) => t.metric).join(', ')} at ${exec.weight}%`,
    },
  );
}

export const featureFlagExecutor: StrategyExecutor<'feature_flag', FeatureFlagExec> = {
  start(ctx, prior) {
    const first = flagPercentages(ctx.stage.config)[0] ?? 0;
    const exec: FeatureFlagExec = { phase: 'set', awaiting: '', index: 0, weight: 0, ticks: 0 };
    // A retry must still restore the version from before the first attempt.
    if (prior?.previousVersion !== undefined) exec.previousVersion = prior.previousVersion;
    return setAt(ctx, exec, 0, first);
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const why = outcome.error ?? 'unknown';
    if (exec.phase === 'set' || exec.phase === 'finish') {
      if (!outcome.ok)
        return fail(exec, `setting flag ${ctx.stage.config.flag_key} failed: ${why}`, exec.weight);
      const next: FeatureFlagExec = { ...exec };
      if (next.previousVersion === undefined) {
        const prev = outcome.data.previousVersion;
        // Without the prior version a rollback could not restore the flag: fail closed.
        if (prev !== null && !(typeof prev === 'number' && Number.isInteger(prev) && prev >= 0)) {
          return fail(
            exec,
            'set_flag result lacks previousVersion (number or null); cannot guarantee rollback',
          );
        }
        next.previousVersion = prev;
      }
      const percentages = flagPercentages(ctx.stage.config);
      next.weight = exec.phase === 'finish' ? (percentages.at(-1) ?? 0) : (percentages[exec.index] ?? 0);
      if (exec.phase === 'finish')
        return out({ ...next, phase: 'done', awaiting: '' }, { emits: [], signal: { type: 'completed' } });
      const ticks = next.ticks + 1;
      const wait = `p${exec.index}/wait${ticks}`;
      return out(
        { ...next, phase: 'wait', awaiting: wait, ticks },
        {
          emits: [timer(wait, ctx.now + durationAt(ctx, exec.index), 'flag rollout stage duration')],
          waitingFor: `holding ${ctx.stage.config.flag_key} at ${next.weight}%`,
        },
      );
    }
    if (exec.phase === 'measure') {
      const before = exec.check ?? newCheck(ctx, durationAt(ctx, exec.index));
      const j = judge(outcome, thresholdsAt(ctx, exec.index), before, {
        now: ctx.now,
        policy: stagePolicy(ctx),
      });
      const { verdict, check } = j;
      const rec = checkRecord(j, outcome);
      if (verdict.type === 'pass') return withCheck(advance(ctx, exec), rec);
      if (verdict.type === 'fail')
        return withCheck(fail(exec, `at ${exec.weight}%: ${verdict.reason}`, exec.weight), rec);
      const ticks = exec.ticks + 1;
      const retry = `p${exec.index}/retry${ticks}`;
      return withCheck(
        out({ ...exec, phase: 'wait', awaiting: retry, ticks, check }, remeasure(retry, verdict)),
        rec,
      );
    }
    return idle(exec);
  },

  onTimer(ctx, exec, step) {
    if (step !== exec.awaiting || exec.phase !== 'wait') return idle(exec);
    return measure(ctx, exec);
  },

  verify: (ctx, exec) => thresholdsAt(ctx, exec.index),

  finish(ctx, exec) {
    const last = flagPercentages(ctx.stage.config).at(-1) ?? 0;
    if (exec.weight >= last && exec.phase === 'rolled_out') {
      return out({ ...exec, phase: 'done', awaiting: '' }, { emits: [], signal: { type: 'completed' } });
    }
    // Promoted early: jump to the final share.
    return out(
      { ...exec, phase: 'finish', awaiting: 'final' },
      { emits: [{ step: 'final', body: setFlagBody(ctx, last) }], waitingFor: `setting flag to ${last}%` },
    );
  },

  promotable: (exec) => exec.phase === 'wait' || exec.phase === 'measure' || exec.phase === 'rolled_out',
  resume: (_ctx, exec) => idle(exec),
  rollback(ctx, exec) {
    if (exec?.previousVersion === undefined) {
      // A write may be in flight and we never learned the prior version: take the share to 0%.
      return exec ? [{ step: 'rollback/0', body: setFlagBody(ctx, 0) }] : [];
    }
    const body: CommandBody<'restore_flag'> = {
      kind: 'restore_flag',
      flagKey: ctx.stage.config.flag_key,
      toVersion: exec.previousVersion,
    };
    if (ctx.stage.config.environment !== undefined) body.environment = ctx.stage.config.environment;
    return [{ step: 'rollback/0', body }];
  },
};
