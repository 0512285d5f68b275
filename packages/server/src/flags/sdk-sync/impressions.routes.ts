/**
 * `POST /api/v1/sdk/impressions`: what an in-process SDK evaluated in one interval, as counts per
 * flag, variant and reason. They go into the same evaluation counters as the server's own
 * evaluations (usage, stale flags, /metrics). Counts carry no user or context, so they never
 * expose anyone to an experiment. Who may report: as for the sync routes, an `sdk:<env>` token
 * for its own environment, a read/write/admin token for the one it names.
 */
import { ValidationFailed } from '@sluice/core';
import { type ImpressionBatch, ImpressionBatchSchema, ImpressionResultSchema } from '@sluice/core/flags';
import { z } from 'zod';
import { quotaExceeded, type RateQuota } from '../../http/quota.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { FlagSetCache } from '../flag-sets.js';
import { evaluationEnvironment } from '../ofrep/access.js';

const querySchema = z
  .object({
    environment: z
      .string()
      .optional()
      .describe('for read/write/admin tokens; an sdk:<env> token uses its own'),
  })
  .strict();

export interface ImpressionDeps {
  flagSets: Pick<FlagSetCache, 'get'>;
  /** Adds `count` evaluations of a variant (the insight slice's counters). */
  record: (environment: string, flag: string, variant: string, count: number) => void;
  /** Impression items per second per token (config `quotas.eventsPerSecond`). */
  quota: RateQuota;
  defaultEnvironment: () => string;
}

export function impressionRoutes(deps: ImpressionDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/sdk/impressions',
      // any valid token reaches the handler, which allows sdk:<env> (its own) or read and above
      scope: 'token',
      environment: () => null,
      summary:
        'Evaluation counts of an in-process SDK (flag, variant, count per interval), added to the evaluation insight; no users',
      tag: 'sdk',
      query: querySchema,
      body: ImpressionBatchSchema,
      response: ImpressionResultSchema,
      async handler({ query, body, principal }) {
        const environment = evaluationEnvironment(principal, query.environment, deps.defaultEnvironment());
        checkInterval(body);
        const wait = deps.quota.take(principal.tokenId ?? principal.subject, body.items.length);
        if (wait > 0)
          throw quotaExceeded(
            `this token reports more than ${deps.quota.rate} impression items a second (SLUICE_QUOTA_EVENTS_PER_SECOND); nothing of this batch was counted`,
            wait,
          );
        const flags = (await deps.flagSets.get(environment)).set.document.flags;
        let accepted = 0;
        for (const item of body.items) {
          // only what this environment could have served: random keys cannot grow the counters
          const variants = Object.hasOwn(flags, item.flag) ? flags[item.flag]?.variants : undefined;
          if (item.variant === undefined || !variants || !Object.hasOwn(variants, item.variant)) continue;
          deps.record(environment, item.flag, item.variant, item.count);
          accepted++;
        }
        return { environment, accepted, ignored: body.items.length - accepted };
      },
    }),
  ];
}

/**
 * `from` not after `to`. The interval is not compared with the server's clock: counts are
 * attributed to the time the server writes them (as its own evaluations are), so an SDK's skewed
 * clock loses nothing.
 */
function checkInterval(body: ImpressionBatch): void {
  const from = typeof body.from === 'number' ? body.from : Date.parse(body.from);
  const to = typeof body.to === 'number' ? body.to : Date.parse(body.to);
  if (to < from) {
    const message = 'is before body.from';
    throw ValidationFailed(`body.to: ${message}`, { fields: [{ path: 'body.to', message }] });
  }
}
