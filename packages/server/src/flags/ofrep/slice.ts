/** The OFREP slice: flag evaluation for OpenFeature providers, mounted in its own error shape. */
import type { SluiceApp } from '../../http/app.js';
import type { SliceContext } from '../../slice.js';
import type { EvaluatorDeps } from './evaluator.js';
import { mountOfrep } from './ofrep.routes.js';
import { streamTicketRoutes } from './tickets.routes.js';

/** What OFREP and the feature API evaluate with. */
export type EvaluationNeeds = Omit<EvaluatorDeps, 'defaultEnvironment' | 'now' | 'inactivityDelaySec'>;

export function ofrepSlice(ctx: SliceContext, needs: EvaluationNeeds) {
  const { quotas } = ctx.config;
  return {
    routes: streamTicketRoutes(needs.tokens, ctx.defaultEnvironment),
    mount: (app: SluiceApp) => {
      mountOfrep(app.fastify, {
        ...needs,
        streamLimits: { perToken: quotas.streamsPerToken, total: quotas.streams },
        defaultEnvironment: ctx.defaultEnvironment,
        now: ctx.now,
        requestDurations: app.requestDurations,
        requestLog: app.requestLog,
      });
    },
  };
}
