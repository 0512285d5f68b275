/**
 * Blue-green: deploy the new version beside the old, health-check it with exponential backoff,
 * run smoke tests against it directly, then switch 100% of traffic at once. After the exit gates
 * the old version is kept warm for scale_down_delay_seconds, then retired.
 * Rollback: make sure the old version runs, switch back, retire the new one.
 */
import { planned } from '../pace.js';
import { deployBody, fail, idle, retireBody, timer, trafficBody, workloadRollback } from './common.js';
import type { ExecContext, ExecStep, StrategyExecutor } from './types.js';

export interface BlueGreenExec {
  phase: 'deploy' | 'health' | 'health_wait' | 'smoke' | 'switch' | 'switched' | 'warm' | 'retire' | 'done';
  awaiting: string;
  healthAttempt: number;
  weight: number;
  stableRetired: boolean;
}

type Ctx = ExecContext<'blue_green'>;

function out(exec: BlueGreenExec, rest: Omit<ExecStep<BlueGreenExec>, 'exec' | 'weight'> = { emits: [] }) {
  return { ...rest, exec, weight: exec.weight };
}

function healthCheck(ctx: Ctx, exec: BlueGreenExec, attempt: number): ExecStep<BlueGreenExec> {
  const hc = ctx.stage.config.health_check;
  const step = `health${attempt}`;
  return out(
    { ...exec, phase: 'health', awaiting: step, healthAttempt: attempt },
    {
      emits: [
        {
          step,
          body: {
            kind: 'health_check',
            app: ctx.stage.config.app_name,
            version: ctx.version,
            endpoint: hc.endpoint,
            timeoutSeconds: hc.timeout_seconds,
            attempt,
          },
        },
      ],
      waitingFor: `health check ${attempt}/${hc.retries} of ${ctx.version}`,
    },
  );
}

function smokeOrSwitch(ctx: Ctx, exec: BlueGreenExec): ExecStep<BlueGreenExec> {
  const cfg = ctx.stage.config;
  if (cfg.smoke_tests.length > 0) {
    return out(
      { ...exec, phase: 'smoke', awaiting: 'smoke' },
      {
        emits: [
          {
            step: 'smoke',
            body: { kind: 'smoke_test', app: cfg.app_name, version: ctx.version, tests: cfg.smoke_tests },
          },
        ],
        waitingFor: `running ${cfg.smoke_tests.length} smoke tests against ${ctx.version}`,
      },
    );
  }
  return switchOver(ctx, exec);
}

function switchOver(ctx: Ctx, exec: BlueGreenExec): ExecStep<BlueGreenExec> {
  return out(
    { ...exec, phase: 'switch', awaiting: 'switch' },
    {
      emits: [{ step: 'switch', body: trafficBody(ctx.stage.config.app_name, 100) }],
      waitingFor: 'switching traffic',
    },
  );
}

export const blueGreenExecutor: StrategyExecutor<'blue_green', BlueGreenExec> = {
  start(ctx) {
    const exec: BlueGreenExec = {
      phase: 'deploy',
      awaiting: 'deploy',
      healthAttempt: 0,
      weight: 0,
      stableRetired: false,
    };
    return out(exec, {
      emits: [{ step: 'deploy', body: deployBody(ctx, ctx.stage.config, 'canary') }],
      waitingFor: `deploying ${ctx.version} beside the current version`,
    });
  },

  onResult(ctx, exec, step, outcome) {
    if (step !== exec.awaiting) return idle(exec);
    const cfg = ctx.stage.config;
    const why = outcome.error ?? 'unknown';
    switch (exec.phase) {
      case 'deploy':
        return outcome.ok ? healthCheck(ctx, exec, 1) : fail(exec, `deploy failed: ${why}`, 0);
      case 'health': {
        if (outcome.ok) return smokeOrSwitch(ctx, exec);
        if (exec.healthAttempt >= cfg.health_check.retries) {
          return fail(exec, `health check failed ${exec.healthAttempt} times: ${why}`, 0);
        }
        const backoff = cfg.health_check.interval_seconds * 1000 * 2 ** (exec.healthAttempt - 1);
        const wait = `health${exec.healthAttempt}/backoff`;
        return out(
          { ...exec, phase: 'health_wait', awaiting: wait },
          {
            emits: [timer(wait, ctx.now + backoff, 'health check backoff')],
            waitingFor: `health check failed: ${why}`,
          },
        );
      }
      case 'smoke':
        return outcome.ok ? switchOver(ctx, exec) : fail(exec, `smoke tests failed: ${why}`, 0);
      case 'switch':
        if (!outcome.ok) return fail(exec, `traffic switch failed: ${why}`, exec.weight);
        return out(
          { ...exec, phase: 'switched', awaiting: '', weight: 100 },
          { emits: [], signal: { type: 'acted' } },
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
                      message: `retiring the old version of ${cfg.app_name} failed: ${why}`,
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
    if (exec.phase === 'health_wait') return healthCheck(ctx, exec, exec.healthAttempt + 1);
    if (exec.phase === 'warm') {
      return out(
        { ...exec, phase: 'retire', awaiting: 'retire' },
        { emits: [{ step: 'retire', body: retireBody(ctx, ctx.stage.config.app_name, 'stable') }] },
      );
    }
    return idle(exec);
  },

  verify: () => [],

  finish(ctx, exec) {
    const delay = planned(ctx, ctx.stage.config.scale_down_delay_seconds * 1000);
    return out(
      { ...exec, phase: 'warm', awaiting: 'warm' },
      {
        emits: [timer('warm', ctx.now + delay, 'keep the previous version warm')],
        waitingFor: 'keeping the previous version warm before retiring it',
      },
    );
  },

  promotable: (exec) => exec.phase === 'switched',
  resume: (_ctx, exec) => idle(exec),
  rollback: (ctx, exec) =>
    workloadRollback(ctx, ctx.stage.config.app_name, ctx.stage.config, exec?.stableRetired ?? false),
};
