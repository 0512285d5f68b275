/** The system slice: liveness, readiness, the Prometheus exposition and the OpenAPI document. */

import { ofrepOpenApiPaths } from '../flags/ofrep/ofrep.openapi.js';
import type { SluiceApp } from '../http/app.js';
import { openApiDocument } from '../http/openapi.js';
import type { SliceContext } from '../slice.js';
import { systemRoutes } from './system.routes.js';

export function systemSlice(ctx: SliceContext, needs: { version: string }) {
  // the routes describe the whole table and expose the app's figures: both exist once it is built
  let app: SluiceApp | undefined;
  return {
    routes: systemRoutes({
      database: ctx.database,
      metrics: () => app!.metrics,
      openapi: () => openApiDocument(app!.routes, needs.version, ofrepOpenApiPaths()),
      metricsToken: ctx.config.metricsToken,
      storageProblem: () => ctx.database.health.problem(),
    }),
    mount: (built: SluiceApp) => {
      app = built;
    },
  };
}
