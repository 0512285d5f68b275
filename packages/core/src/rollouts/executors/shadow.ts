/**
 * Shadow: deploy the new version, mirror a share of live requests to it (responses discarded),
 * and after duration_minutes judge its error rate, latency and status mismatches. The stage
 * leaves the shadow deployment running for later stages; finishing stops the mirror.
 * Rollback: stop mirroring and retire the shadow.
 */
import { normalizeThresholds } from '../../analysis/index.js';
import { metricWindow, planned } from '../pace.js';
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
  stagePolicy,
  timer,
  trafficBody,
  withCheck,
} from './common.js';
import type { ExecContext, ExecStep, StrategyExecutor } from './types.js';

export interface ShadowExec {
  phase: 'deploy' | 'mirror' | 'wait' | 'measure' | 'judged' | 'unmirror' | 'done';
  awaiting: string;
  mirror: number;
  check?: Check;
  ticks: number;
}

type Ctx = ExecContext<'shadow'>;

const out = (exec: ShadowExec, rest: Omit<ExecStep<ShadowExec>, 'exec' | 'weight'> = { emits: [] }) => ({
  ...rest,
  exec,
  weight: 0,
});
const plannedMs = (ctx: Ctx) => ctx.stage.config.duration_minutes * 60_000;
const durationMs = (ctx: Ctx) => planned(ctx, plannedMs(ctx));
const thresholdsOf = (ctx: Ctx) => normalizeThresholds(ctx.stage.config.thresholds);

function measure(ctx: Ctx, exec: ShadowExec): ExecStep<ShadowExec> {
  const check = exec.check ? { ...exec.check } : newCheck(ctx, durationMs(ctx));
  check.seq += 1;
  check.windowMs = metricWindow(ctx, plannedMs(ctx));
  const ticks = exec.ticks + 1;
  const label = `m${ticks}`;
  const target = { app: ctx.stage.config.app_name, role: 'shadow' as const };
  return out(
    { ...exec, phase: 'measure', awaiting: label, check, ticks },
    {
      emits: [{ step: label, body: measureBody(target, thresholdsOf(ctx), check.windowMs) }],
      waitingFor: 'judging the shadow',
    },
  );
}

export const shadowExecutor: StrategyExecutor<'shadow', ShadowExec> = {
  start(ctx) {
    return out(
      { phase: 'deploy', awaiting: 'deploy', mirror: 0, ticks: 0 },
      {
        emits: [{ step: 'deploy', body: deployBody(ctx, ctx.stage.config, 'canary') }],
        waitingFor: `deploying ${ctx.version} as a shadow`,
      },
    );
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const why = outcome.error ?? 'unknown';
    const cfg = ctx.stage.config;
    switch (exec.phase) {
      case 'deploy':
        if (!outcome.ok) return fail(exec, `deploy failed: ${why}`);
        return out(
          { ...exec, phase: 'mirror', awaiting: 'mirror' },
          {
            emits: [{ step: 'mirror', body: trafficBody(cfg.app_name, 0, cfg.mirror_percent) }],
            waitingFor: 'starting the mirror',
          },
        );
      case 'mirror': {
        if (!outcome.ok) return fail(exec, `starting the mirror failed: ${why}`);
        const ticks = exec.ticks + 1;
        const label = `wait${ticks}`;
        return out(
          { ...exec, phase: 'wait', awaiting: label, mirror: cfg.mirror_percent, ticks },
          {
            emits: [timer(label, ctx.now + durationMs(ctx), 'shadow duration')],
            waitingFor: `mirroring ${cfg.mirror_percent}% of requests`,
          },
        );
      }
      case 'measure': {
        const before = exec.check ?? newCheck(ctx, durationMs(ctx));
        const j = judge(outcome, thresholdsOf(ctx), before, {
          now: ctx.now,
          policy: stagePolicy(ctx),
        });
        const { verdict, check } = j;
        const rec = checkRecord(j, outcome);
        if (verdict.type === 'pass') {
          const judged: ShadowExec = { ...exec, phase: 'judged', awaiting: '' };
          delete judged.check;
          return withCheck(out(judged, { emits: [], signal: { type: 'acted' } }), rec);
        }
        if (verdict.type === 'fail') return withCheck(fail(exec, `shadow: ${verdict.reason}`), rec);
        const ticks = exec.ticks + 1;
        const label = `retry${ticks}`;
        return withCheck(
          out({ ...exec, phase: 'wait', awaiting: label, ticks, check }, remeasure(label, verdict)),
          rec,
        );
      }
      case 'unmirror':
        if (!outcome.ok) return fail(exec, `stopping the mirror failed: ${why}`);
        return out(
          { ...exec, phase: 'done', awaiting: '', mirror: 0 },
          { emits: [], signal: { type: 'completed' } },
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

  finish(ctx, exec) {
    return out(
      { ...exec, phase: 'unmirror', awaiting: 'unmirror' },
      {
        emits: [{ step: 'unmirror', body: trafficBody(ctx.stage.config.app_name, 0, 0) }],
        waitingFor: 'stopping the mirror',
      },
    );
  },

  promotable: (exec) => exec.phase === 'wait' || exec.phase === 'measure' || exec.phase === 'judged',
  resume: (_ctx, exec) => idle(exec),
  rollback: (ctx) => [
    { step: 'rollback/0', body: trafficBody(ctx.stage.config.app_name, 0, 0) },
    {
      step: 'rollback/1',
      body: { kind: 'retire', app: ctx.stage.config.app_name, version: ctx.version, role: 'canary' },
    },
  ],
};
