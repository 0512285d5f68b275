/**
 * Canary: weight = min(initial + k·increment, max_weight), one step per interval with a
 * verification at each; at max_weight it keeps verifying for monitor_duration, then (after the
 * exit gates) promotes to 100% and retires the old version. Rollback: weight 0, retire canary.
 *
 * Webhooks (`config.webhooks`, Flagger's types) are calls the walk awaits at Flagger's points:
 * confirm-rollout before the deploy, pre-rollout before the first traffic, rollback at each
 * interval before measuring, confirm-traffic-increase before each raise, confirm-promotion
 * before the walk is done, post-rollout after the old version is retired or after a rollback.
 * Hooks of one type are called one after another; a confirm that says no holds, and is asked
 * again an interval later.
 */
import { type CompareMemory, normalizeThresholds, type Threshold } from '../../analysis/index.js';
import type { CommandBody, FlaggerPhase } from '../commands.js';
import { metricWindow, planned } from '../pace.js';
import { canaryWeight } from '../plan/canary-weight.js';
import type { StageWebhook, StageWebhookType } from '../plan/strategy-schemas.js';
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
import type { CommandOutcome, Emit, ExecContext, ExecStep, StrategyExecutor } from './types.js';

/** The hook types the walk awaits (event hooks are told every notice by the runtime instead). */
type AwaitedHook = Exclude<StageWebhookType, 'event'>;

/** Where the walk is in one type's hooks. */
export interface HookProgress {
  type: AwaitedHook;
  /** The hook of that type being asked (they are asked in order). */
  index: number;
  /** pre-rollout: failed calls so far, against the analysis' failure limit. */
  failures: number;
  /** post-rollout: how the walk ended (Flagger's phase in the payload). */
  phase?: FlaggerPhase;
  /** rollback, asked while a confirm-rollout or pre-rollout hook held the walk: ask that one again next. */
  resume?: HookProgress;
}

export interface CanaryExec {
  /** `hook`: a webhook call is awaited; `hold`: a confirm or pre-rollout hook is asked again after a timer. */
  phase:
    | 'hook'
    | 'hold'
    | 'deploy'
    | 'shift'
    | 'wait'
    | 'measure'
    | 'verified'
    | 'promote'
    | 'retire'
    | 'done';
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
  /** The webhooks of one type being called (phase hook or hold). */
  hook?: HookProgress;
  /** The confirm hook holding the walk (`type "name"`), told once in the history until it confirms. */
  held?: string;
}

type Ctx = ExecContext<'canary'>;

export { canaryWeight };

const thresholdsOf = (ctx: Ctx): Threshold[] => normalizeThresholds(ctx.stage.config.thresholds);
const intervalMs = (ctx: Ctx) => planned(ctx, ctx.stage.config.interval_seconds * 1000);

function out(exec: CanaryExec, step: Omit<ExecStep<CanaryExec>, 'exec' | 'weight'> = { emits: [] }) {
  return { ...step, exec, weight: exec.weight };
}

const hooksOf = (ctx: Ctx, type: AwaitedHook): StageWebhook[] =>
  (ctx.stage.config.webhooks ?? []).filter((w) => w.type === type);

/** Flagger's phase for a call of this type (post-rollout says how the walk ended). */
function phaseOf(exec: CanaryExec, progress: HookProgress): FlaggerPhase {
  if (progress.phase) return progress.phase;
  // asked while a confirm hook holds the walk: Flagger's canary is waiting then
  if (progress.type === 'rollback' && exec.held)
    return exec.held.startsWith('confirm-promotion') ? 'WaitingPromotion' : 'Waiting';
  return 'Progressing';
}

/** The call of one hook: Flagger's payload fields; the checksum is the version delivered. */
export function hookBody(ctx: Ctx, hook: StageWebhook, phase: FlaggerPhase): CommandBody<'call_webhook'> {
  return {
    kind: 'call_webhook',
    hook: hook.type,
    name: hook.name,
    url: hook.url,
    timeoutSeconds: hook.timeout_seconds,
    canary: hook.canary,
    ...(hook.namespace !== undefined ? { namespace: hook.namespace } : {}),
    phase,
    checksum: ctx.version,
    metadata: hook.metadata,
  };
}

const label = (hook: StageWebhook | undefined) => `${hook?.type ?? 'webhook'} webhook "${hook?.name ?? '?'}"`;

/** Ask the hook `progress` points at. */
function callHook(
  ctx: Ctx,
  exec: CanaryExec,
  progress: HookProgress,
  emits: Emit[] = [],
): ExecStep<CanaryExec> {
  const hook = hooksOf(ctx, progress.type)[progress.index] as StageWebhook;
  const ticks = exec.ticks + 1;
  const step = `hook/${progress.type}/${ticks}`;
  return out(
    { ...exec, phase: 'hook', awaiting: step, ticks, hook: progress },
    {
      emits: [...emits, { step, body: hookBody(ctx, hook, phaseOf(exec, progress)) }],
      waitingFor: `calling ${label(hook)}`,
    },
  );
}

/** Call every hook of `type` in turn, then go on; without any, go on at once. */
function runHooks(
  ctx: Ctx,
  exec: CanaryExec,
  type: AwaitedHook,
  extra: Partial<HookProgress> = {},
  emits: Emit[] = [],
): ExecStep<CanaryExec> {
  const progress: HookProgress = { type, index: 0, failures: 0, ...extra };
  if (hooksOf(ctx, type).length === 0) return afterHooks(ctx, exec, progress, emits);
  return callHook(ctx, exec, progress, emits);
}

/** Every hook of a type has answered as the walk needs: the step it stood before. */
function afterHooks(
  ctx: Ctx,
  exec: CanaryExec,
  done: HookProgress,
  emits: Emit[] = [],
): ExecStep<CanaryExec> {
  const next: CanaryExec = { ...exec };
  delete next.hook;
  const withEmits = (step: ExecStep<CanaryExec>) => ({ ...step, emits: [...emits, ...step.emits] });
  switch (done.type) {
    case 'confirm-rollout':
      return withEmits(
        out(
          { ...next, phase: 'deploy', awaiting: 'deploy' },
          {
            emits: [{ step: 'deploy', body: deployBody(ctx, ctx.stage.config, 'canary') }],
            waitingFor: `deploying ${ctx.version}`,
          },
        ),
      );
    case 'pre-rollout':
      return withEmits(shift(ctx, next, 0));
    case 'confirm-traffic-increase':
      return withEmits(shift(ctx, next, exec.k + 1));
    case 'confirm-promotion':
      return withEmits(
        out({ ...next, phase: 'verified', awaiting: '' }, { emits: [], signal: { type: 'acted' } }),
      );
    case 'rollback':
      return withEmits(done.resume ? callHook(ctx, next, done.resume) : measure(ctx, next));
    case 'post-rollout':
      return withEmits(
        out({ ...next, phase: 'done', awaiting: '' }, { emits: [], signal: { type: 'completed' } }),
      );
  }
}

/** A hook answered (2xx: ok). Each type does what Flagger does with the answer. */
function hookAnswered(ctx: Ctx, exec: CanaryExec, outcome: CommandOutcome): ExecStep<CanaryExec> {
  const progress = exec.hook as HookProgress;
  const list = hooksOf(ctx, progress.type);
  const hook = list[progress.index];
  const why = outcome.error ?? 'no 2xx answer';
  const onward = (p: HookProgress, emits: Emit[] = [], noted?: string) => {
    const step =
      p.index + 1 < list.length
        ? callHook(ctx, exec, { ...p, index: p.index + 1 }, emits)
        : afterHooks(ctx, exec, p, emits);
    return noted ? { ...step, noted } : step;
  };
  switch (progress.type) {
    case 'rollback':
      // Flagger's manual rollback: a 2xx answer stops the analysis and fails the canary
      if (outcome.ok)
        return fail(
          exec,
          `${label(hook)} answered 2xx: a manual rollback was asked for (${answer(outcome)})`,
          exec.weight,
        );
      return onward(progress);
    case 'post-rollout':
      // the result stands whatever it answers; a failure is told, as Flagger logs it
      return onward(
        progress,
        outcome.ok
          ? []
          : [
              {
                step: `${exec.awaiting}/warn`,
                body: { kind: 'notify', level: 'warning', message: `${label(hook)} failed: ${why}` },
              },
            ],
      );
    default:
      break;
  }
  if (outcome.ok) {
    const key = `${progress.type} "${hook?.name}"`;
    const confirmed = exec.held === key;
    const next: CanaryExec = { ...exec };
    if (confirmed) delete next.held;
    const step =
      progress.index + 1 < list.length
        ? callHook(ctx, next, { ...progress, index: progress.index + 1 })
        : afterHooks(ctx, next, progress);
    return confirmed ? { ...step, noted: `${label(hook)} confirmed; the walk goes on` } : step;
  }
  const key = `${progress.type} "${hook?.name}"`;
  const firstHold = exec.held !== key;
  const noted = (what: string) => (firstHold ? { noted: what } : {});
  switch (progress.type) {
    case 'confirm-rollout': {
      const waitingFor = `waiting for ${label(hook)} to confirm the rollout (it answered: ${why}); asking again every interval`;
      return {
        ...hold(ctx, { ...exec, held: key }, progress, waitingFor),
        ...noted(`the canary waits: ${waitingFor}`),
      };
    }
    case 'pre-rollout': {
      const failures = progress.failures + 1;
      const limit = stagePolicy(ctx).failure_limit;
      if (failures > limit)
        return fail(
          exec,
          `${label(hook)} failed ${failures} time(s), the analysis' threshold, before any traffic reached the canary: ${why}`,
          exec.weight,
        );
      const waitingFor = `${label(hook)} failed (${failures} of ${limit + 1} allowed before rollback): ${why}; calling again next interval`;
      return { ...hold(ctx, exec, { ...progress, failures }, waitingFor), noted: waitingFor };
    }
    case 'confirm-traffic-increase':
    case 'confirm-promotion': {
      // hold the weight, keep analysing; the next passed check asks again
      const what = progress.type === 'confirm-promotion' ? 'promotion' : 'the next weight increase';
      const waitingFor = `holding ${exec.weight}%: waiting for ${label(hook)} to confirm ${what} (it answered: ${why}); analysis goes on`;
      const next: CanaryExec = { ...exec, held: key };
      delete next.hook;
      return {
        ...wait(ctx, next),
        waitingFor,
        ...noted(`the canary holds at ${exec.weight}%: ${waitingFor}`),
      };
    }
  }
}

/** Ask the same hook again an interval from now. */
function hold(ctx: Ctx, exec: CanaryExec, progress: HookProgress, waitingFor: string): ExecStep<CanaryExec> {
  const ticks = exec.ticks + 1;
  const step = `hook/${progress.type}/hold${ticks}`;
  return out(
    { ...exec, phase: 'hold', awaiting: step, ticks, hook: progress },
    { emits: [timer(step, ctx.now + intervalMs(ctx), `${progress.type} webhook: ask again`)], waitingFor },
  );
}

function answer(outcome: CommandOutcome): string {
  const said = outcome.data.answer;
  return typeof said === 'string' ? said : 'it answered';
}

/** Still asking confirm-rollout: the canary was never deployed. */
function beforeDeploy(exec: CanaryExec): boolean {
  if (exec.phase !== 'hook' && exec.phase !== 'hold') return false;
  return exec.hook?.type === 'confirm-rollout' || exec.hook?.resume?.type === 'confirm-rollout';
}

/** Analysis goes on in these phases (checks, breaches and promotion apply). */
function analysing(exec: CanaryExec): boolean {
  if (exec.phase === 'wait' || exec.phase === 'measure') return true;
  return (
    exec.phase === 'hook' &&
    exec.weight > 0 &&
    (exec.hook?.type === 'rollback' ||
      exec.hook?.type === 'confirm-traffic-increase' ||
      exec.hook?.type === 'confirm-promotion')
  );
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
  if (exec.weight < cfg.max_weight) return runHooks(ctx, base, 'confirm-traffic-increase');
  if (exec.monitorUntil !== undefined && ctx.now < exec.monitorUntil) return wait(ctx, base);
  return runHooks(ctx, base, 'confirm-promotion');
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
    return runHooks(ctx, exec, 'confirm-rollout');
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const cfg = ctx.stage.config;
    switch (exec.phase) {
      case 'hook':
        return exec.hook ? hookAnswered(ctx, exec, outcome) : idle(exec);
      case 'deploy':
        return outcome.ok
          ? runHooks(ctx, exec, 'pre-rollout')
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
        return runHooks(
          ctx,
          { ...exec, stableRetired: outcome.ok },
          'post-rollout',
          { phase: 'Succeeded' },
          outcome.ok
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
        );
      default:
        return idle(exec);
    }
  },

  onTimer(ctx, exec, step) {
    if (step !== exec.awaiting) return idle(exec);
    // a held confirm-rollout or pre-rollout: the rollback hooks first (Flagger asks them while waiting)
    if (exec.phase === 'hold' && exec.hook) return runHooks(ctx, exec, 'rollback', { resume: exec.hook });
    if (exec.phase !== 'wait') return idle(exec);
    // each interval, before measuring, ask the rollback hooks (Flagger's manual rollback)
    return runHooks(ctx, exec, 'rollback');
  },

  verify: (ctx) => thresholdsOf(ctx),

  watching(ctx, exec) {
    const thresholds = thresholdsOf(ctx);
    if (thresholds.length === 0 || !analysing(exec)) return null;
    if (exec.weight <= 0) return null;
    return {
      app: ctx.stage.config.app_name,
      role: 'canary',
      thresholds,
      windowMs: metricWindow(ctx, ctx.stage.config.interval_seconds * 1000),
    };
  },

  onBreach(ctx, exec, outcome, looks) {
    if (!analysing(exec)) return idle(exec);
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

  promotable: (exec) => analysing(exec) || exec.phase === 'verified',
  resume: (_ctx, exec) => idle(exec),
  // after the workload is put back, the post-rollout hooks hear of it (their answer is only told)
  rollback: (ctx, exec) => [
    // stopped while confirm-rollout held it: nothing was deployed or routed, nothing to put back
    ...(exec && beforeDeploy(exec)
      ? []
      : workloadRollback(ctx, ctx.stage.config.app_name, ctx.stage.config, exec?.stableRetired ?? false)),
    ...hooksOf(ctx, 'post-rollout').map((hook, i) => ({
      step: `rollback/post-rollout/${i}`,
      body: hookBody(ctx, hook, 'Failed'),
    })),
  ],
};
