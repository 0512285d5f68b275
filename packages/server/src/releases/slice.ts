/**
 * The releases slice: the history of every rollout run (kept by the runtime's journal, in each
 * event's transaction) and the DORA report, at `/api/v1/releases` and `/api/v1/reports/dora`.
 */
import type { SluiceApp } from '../http/app.js';
import type { SliceContext } from '../slice.js';
import { registerDoraMetrics } from './dora-metrics.js';
import { releaseObserver } from './journal.js';
import { releaseRoutes } from './releases.routes.js';
import { type CommitOf, ReleasesService } from './releases.service.js';

export function releasesSlice(ctx: SliceContext, needs: { commitOf: CommitOf }) {
  const service = new ReleasesService(ctx.db, needs.commitOf, ctx.now);
  return {
    service,
    observer: releaseObserver,
    routes: releaseRoutes(service),
    mount: (app: SluiceApp) => registerDoraMetrics(app.metrics, service),
  };
}
