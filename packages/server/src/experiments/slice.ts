/**
 * The experiments slice: the Experiment kind's services (lifecycle, results), exposures from flag
 * evaluations, the events adapter the tracking slice uses, and the stats calculators.
 */

import { operatorSecrets } from '../operator/operator-config.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import { experimentRoutes } from './experiments.routes.js';
import { ExperimentsService } from './experiments.service.js';
import { EvaluationExposures } from './exposures.js';
import { ExperimentIngest } from './ingest.js';
import { SourceSync } from './sources/sync.js';
import { statsRoutes } from './stats.routes.js';

export function experimentsSlice(ctx: SliceContext, needs: { resources: ResourceService }) {
  const ingest = new ExperimentIngest(ctx.db, ctx.now);
  const secrets = operatorSecrets(ctx.config.operator, process.env, ctx.config.dataDir);
  const sources = new SourceSync(ctx.db, ingest, secrets, ctx.now);
  const service = new ExperimentsService(ctx.db, needs.resources, ingest, ctx.now, sources);
  const exposures = new EvaluationExposures(ingest, ctx.now, ctx.logError);
  return {
    service,
    /** For the tracking slice: events that name an experiment. */
    events: service.events,
    /** For OFREP and the feature API: evaluations that assign an arm expose the user. */
    onEvaluated: exposures.onEvaluated,
    exposures,
    routes: [...experimentRoutes(service, ctx.defaultEnvironment), ...statsRoutes()],
    start: () => exposures.start(),
    stop: () => exposures.stop(),
  };
}
