/** The SDK sync slice: flag sets and their change stream for in-process SDKs, and their impressions. */
import type { TokenVerifier } from '../../http/auth.js';
import { RateQuota } from '../../http/quota.js';
import type { SliceContext } from '../../slice.js';
import type { FlagSetCache } from '../flag-sets.js';
import { type ImpressionDeps, impressionRoutes } from './impressions.routes.js';
import { sdkSyncRoutes } from './sdk-sync.routes.js';
import { DEFAULT_SYNC_LIMITS, type SyncStreamLimits, SyncStreams } from './sync-streams.js';

export interface SdkSyncNeeds {
  flagSets: Pick<FlagSetCache, 'get' | 'onChange'>;
  tokens: TokenVerifier;
  emergency: (environment: string) => { environment: string } | null | undefined;
  limits?: Partial<SyncStreamLimits>;
  /** Where SDK impressions are counted: the evaluation insight's `recordEvaluation`. */
  recordEvaluations: ImpressionDeps['record'];
}

export function sdkSyncSlice(ctx: SliceContext, needs: SdkSyncNeeds) {
  const streams = new SyncStreams(needs.flagSets, {
    ...DEFAULT_SYNC_LIMITS,
    perToken: ctx.config.quotas.sdkStreamsPerToken,
    ...needs.limits,
  });
  return {
    streams,
    routes: [
      ...sdkSyncRoutes({ ...needs, streams, defaultEnvironment: ctx.defaultEnvironment }),
      ...impressionRoutes({
        flagSets: needs.flagSets,
        record: needs.recordEvaluations,
        // impression items count like tracking events, in a bucket of their own per token
        quota: new RateQuota(ctx.config.quotas.eventsPerSecond, () => ctx.now().getTime()),
        defaultEnvironment: ctx.defaultEnvironment,
      }),
    ],
    // open streams would keep the HTTP server from closing
    drain: () => streams.close(),
  };
}
