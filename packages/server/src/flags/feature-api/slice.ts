/** The feature API slice: `/api/features/:flagName`, mounted in its own error shape. */
import type { SluiceApp } from '../../http/app.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { SliceContext } from '../../slice.js';
import type { EvaluationNeeds } from '../ofrep/slice.js';
import { mountFeatureApi } from './feature-api.routes.js';

export function featureApiSlice(ctx: SliceContext, needs: EvaluationNeeds & { resources: ResourceService }) {
  return {
    mount: (app: SluiceApp) => {
      mountFeatureApi(app.fastify, { ...needs, defaultEnvironment: ctx.defaultEnvironment, now: ctx.now });
    },
  };
}
