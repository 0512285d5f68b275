/** The flag insight slice: evaluation counters, last-evaluated times, stale-flag detection. */

import type { SluiceApp } from '../../http/app.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { SliceContext } from '../../slice.js';
import type { FlagsService } from '../flags.service.js';
import { EvaluationInsight } from './evaluation-insight.js';
import { flagInsightRoutes } from './insight.routes.js';
import { countEvaluations } from './instrument.js';

export function insightSlice(ctx: SliceContext, needs: { flags: FlagsService; resources: ResourceService }) {
  const insight = new EvaluationInsight({ db: ctx.db, now: ctx.now, log: ctx.logError });
  countEvaluations(needs.flags, insight);
  return {
    insight,
    /** Records one served evaluation (OFREP, the feature API); results without a variant are not counted. */
    onEvaluated: (environment: string, flag: string, variant: string | undefined) => {
      if (variant !== undefined) insight.recordEvaluation(environment, flag, variant);
    },
    routes: flagInsightRoutes(insight, needs.resources, ctx.defaultEnvironment),
    // per-flag series name every flag: on /metrics only when asked for (SLUICE_METRICS_FLAGS, L6)
    mount: (app: SluiceApp) => {
      if (ctx.config.metricsFlags) insight.registerMetrics(app.metrics);
    },
    start: () => insight.start(),
    stop: () => insight.stop(),
  };
}
