/**
 * `experiment` commands of ab_test stages, through the experiments slice: start (draft →
 * active), read the verdict, conclude with the winning arm (its flag then serves that arm to
 * everyone), stop (rollback). Idempotent by state: a step already taken answers ok. Written
 * with the run's starter's scopes (run-authority.ts).
 */
import type { ExperimentSpec } from '@sluice/core/experiments';
import type { ExperimentsService } from '../../experiments/experiments.service.js';
import type { CommandHandlers } from '../command-handler.js';
import { runActor } from '../run-authority.js';

export function experimentHandlers(experiments: ExperimentsService): CommandHandlers {
  const actor = runActor;
  return {
    async experiment(command, run) {
      const environment = command.environment ?? run.environment;
      const key = command.experiment;
      try {
        const status = ((await experiments.get(environment, key)).spec as ExperimentSpec).status;
        switch (command.action) {
          case 'start':
            if (status === 'draft') await experiments.transition(environment, key, 'start', actor(run));
            else if (status !== 'active')
              return { ok: false, error: `experiment "${key}" is ${status}; it cannot run again` };
            return { ok: true, data: {} };
          case 'verdict': {
            const { verdict } = await experiments.results(environment, key);
            return { ok: true, data: { ...verdict } };
          }
          case 'conclude':
            if (status !== 'concluded')
              await experiments.transition(environment, key, 'conclude', actor(run), { arm: command.arm });
            return { ok: true, data: { winner: command.arm ?? null } };
          case 'stop':
            if (status === 'active' || status === 'draft')
              await experiments.transition(environment, key, 'stop', actor(run));
            return { ok: true, data: {} };
        }
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    },
  };
}
