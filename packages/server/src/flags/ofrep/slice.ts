/** The OFREP slice: flag evaluation for OpenFeature providers, mounted in its own error shape. */
import type { SluiceApp } from '../../http/app.js';
import type { SliceContext } from '../../slice.js';
import type { EvaluatorDeps } from './evaluator.js';
import { mountOfrep } from './ofrep.routes.js';

/** What OFREP and the feature API evaluate with. */
export type EvaluationNeeds = Omit<EvaluatorDeps, 'defaultEnvironment' | 'now' | 'inactivityDelaySec'>;

export function ofrepSlice(ctx: SliceContext, needs: EvaluationNeeds) {
  return {
    mount: (app: SluiceApp) => {
      mountOfrep(app.fastify, {
        ...needs,
        defaultEnvironment: ctx.defaultEnvironment,
        now: ctx.now,
        requestMetrics: app.metrics,
      });
    },
  };
}
