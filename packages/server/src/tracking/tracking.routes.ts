/**
 * `POST /api/v1/events?environment=`: business events from apps (the demo app, SDKs) for the
 * `events` metric provider. Who may send: a `write` token for the environment (or wider), or
 * that environment's `sdk:<env>` token, since SDK tokens ship inside the apps that produce the
 * events. A `read` token may not: it looks, it does not feed the gates.
 */
import { Forbidden, ValidationFailed } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { type AnyRoute, defineRoute, type Principal } from '../http/route.js';
import {
  type EventInput,
  eventBatchResultSchema,
  eventBatchSchema,
  eventQuerySchema,
  MAX_CLOCK_SKEW_MS,
} from './event.schema.js';
import type { EventStore } from './event-store.js';

export interface TrackingRoutesOptions {
  store: EventStore;
  defaultEnvironment: () => string;
  /** Throws NOT_FOUND when the environment does not exist. */
  environmentExists: (name: string) => Promise<void>;
  now: () => Date;
}

/** True when the principal may send events for `environment`. */
export function maySendEvents(principal: Principal, environment: string): boolean {
  return (
    scopesGrant(principal.scopes, 'write', environment) || principal.scopes.includes(`sdk:${environment}`)
  );
}

export function trackingRoutes(options: TrackingRoutesOptions): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/events',
      // 'sdk' lets sdk:<env> tokens through the route check; the handler then refuses read-only ones
      scope: 'sdk',
      environment: ({ query }) => query.environment ?? options.defaultEnvironment(),
      summary: 'Record business events (page_view, bounce, conversion); ids deduplicate replays',
      tag: 'events',
      query: eventQuerySchema,
      body: eventBatchSchema,
      response: eventBatchResultSchema,
      async handler({ query, body, principal }) {
        const environment = query.environment ?? options.defaultEnvironment();
        if (!maySendEvents(principal, environment)) {
          throw Forbidden(
            `sending events to "${environment}" needs the "write" scope there or "sdk:${environment}"; the token has ${principal.scopes.join(', ') || 'no scopes'}`,
          );
        }
        const now = options.now();
        refuseFutureEvents(body.events, now);
        await options.environmentExists(environment);
        const { stored, duplicates } = await options.store.insert(
          environment,
          body.events,
          now,
          principal.subject,
        );
        return { environment, received: body.events.length, stored, duplicates };
      },
    }),
  ];
}

/** An event dated beyond the allowed clock skew would count in windows that have not come yet. */
function refuseFutureEvents(events: EventInput[], now: Date): void {
  const limit = now.getTime() + MAX_CLOCK_SKEW_MS;
  const fields = events.flatMap((e, i) =>
    Date.parse(e.time) > limit
      ? [{ path: `body.events[${i}].time`, message: 'is more than 5 minutes ahead of the server clock' }]
      : [],
  );
  if (fields.length) {
    throw ValidationFailed(
      `${fields.length} event${fields.length > 1 ? 's are' : ' is'} dated in the future: ${fields
        .slice(0, 10)
        .map((f) => f.path)
        .join(', ')}`,
      { fields },
    );
  }
}
