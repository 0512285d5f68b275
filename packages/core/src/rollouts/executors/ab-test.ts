/**
 * A/B test: runs an Experiment as a stage. Starts it, reads its verdict every
 * `check_interval_minutes`: "ship" passes (exit gates run next), then finishing concludes the
 * experiment with the winning arm, so its flag serves that arm to everyone; "stop" fails the
 * stage; "keep running" waits. A verdict that cannot be read is read again at the next check.
 * Rollback stops the experiment (everyone gets control again).
 */
import type { CommandBody } from '../commands.js';
import { planned } from '../pace.js';
import { fail, idle, timer } from './common.js';
import type { ExecContext, ExecStep, StrategyExecutor } from './types.js';

export interface AbTestExec {
  phase: 'start' | 'verdict' | 'wait' | 'shipped' | 'finish' | 'done';
  awaiting: string;
  /** Verdicts read so far (each has its own op id). */
  looks: number;
  /** The arm the verdict said to ship. */
  arm?: string;
  /** The last verdict's reason, for people watching. */
  reason?: string;
}

type Ctx = ExecContext<'ab_test'>;

function body(
  ctx: Ctx,
  action: CommandBody<'experiment'>['action'],
  arm?: string,
): CommandBody<'experiment'> {
  const b: CommandBody<'experiment'> = {
    kind: 'experiment',
    action,
    experiment: ctx.stage.config.experiment,
  };
  if (arm !== undefined) b.arm = arm;
  return b;
}

function readVerdict(ctx: Ctx, exec: AbTestExec): ExecStep<AbTestExec> {
  const looks = exec.looks + 1;
  const step = `verdict${looks}`;
  return {
    exec: { ...exec, phase: 'verdict', awaiting: step, looks },
    emits: [{ step, body: body(ctx, 'verdict') }],
    waitingFor: `reading the verdict of experiment ${ctx.stage.config.experiment}`,
  };
}

function waitAndLook(ctx: Ctx, exec: AbTestExec, reason: string): ExecStep<AbTestExec> {
  const step = `wait${exec.looks}`;
  const at = ctx.now + planned(ctx, ctx.stage.config.check_interval_minutes * 60_000);
  return {
    exec: { ...exec, phase: 'wait', awaiting: step, reason },
    emits: [timer(step, at, 'next look at the experiment')],
    waitingFor: `experiment ${ctx.stage.config.experiment}: ${reason}`,
  };
}

export const abTestExecutor: StrategyExecutor<'ab_test', AbTestExec> = {
  start(ctx) {
    return {
      exec: { phase: 'start', awaiting: 'start', looks: 0 },
      emits: [{ step: 'start', body: body(ctx, 'start') }],
      waitingFor: `starting experiment ${ctx.stage.config.experiment}`,
    };
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const key = ctx.stage.config.experiment;
    if (exec.phase === 'start') {
      if (!outcome.ok) return fail(exec, `starting experiment ${key} failed: ${outcome.error ?? 'unknown'}`);
      return readVerdict(ctx, exec);
    }
    if (exec.phase === 'finish') {
      if (!outcome.ok)
        return fail(exec, `concluding experiment ${key} failed: ${outcome.error ?? 'unknown'}`);
      return {
        exec: { ...exec, phase: 'done', awaiting: '' },
        emits: [],
        signal: { type: 'completed' },
        weight: 100,
      };
    }
    if (exec.phase !== 'verdict') return idle(exec);
    if (!outcome.ok)
      return waitAndLook(ctx, exec, `the verdict could not be read (${outcome.error ?? 'unknown'})`);
    const decision = outcome.data.decision;
    const reason = typeof outcome.data.reason === 'string' ? outcome.data.reason : '';
    const arm = outcome.data.arm;
    if (decision === 'ship' && typeof arm === 'string') {
      return {
        exec: { ...exec, phase: 'shipped', awaiting: '', arm, reason },
        emits: [],
        signal: { type: 'acted' },
        waitingFor: `experiment ${key} says ship ${arm}`,
      };
    }
    if (decision === 'stop') return fail({ ...exec, reason }, `experiment ${key} says stop: ${reason}`);
    if (decision === 'keep_running') return waitAndLook(ctx, exec, reason);
    return waitAndLook(ctx, exec, `an unreadable verdict (${String(decision)})`);
  },

  onTimer(ctx, exec, step) {
    if (exec.phase !== 'wait' || step !== exec.awaiting) return idle(exec);
    return readVerdict(ctx, exec);
  },

  verify: () => [],

  finish(ctx, exec) {
    if (exec.arm === undefined) return fail(exec, 'no arm to ship: the experiment never said ship');
    return {
      exec: { ...exec, phase: 'finish', awaiting: 'conclude' },
      emits: [{ step: 'conclude', body: body(ctx, 'conclude', exec.arm) }],
      waitingFor: `rolling ${exec.arm} out to everyone`,
    };
  },

  promotable: (exec) => exec.phase === 'shipped',

  resume: (_ctx, exec) => idle(exec),

  rollback(ctx, exec) {
    if (exec === undefined || exec.phase === 'done') return [];
    return [{ step: 'rollback/0', body: body(ctx, 'stop') }];
  },
};
