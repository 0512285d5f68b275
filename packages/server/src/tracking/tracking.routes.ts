/**
 * `POST /api/v1/events?environment=`: business events from apps (the demo app, SDKs) for the
 * `events` metric provider. Who may send: a `write` token for the environment (or wider), or
 * that environment's `sdk:<env>` token, since SDK tokens ship inside the apps that produce the
 * events. A `read` token may not: it looks, it does not feed the gates.
 */

import { type FieldError, Forbidden, ValidationFailed } from '@sluice/core';
import { scopesGrant } from '@sluice/core/auth';
import { zodFields } from '../http/problem.js';
import { quotaExceeded, type RateQuota } from '../http/quota.js';
import { type AnyRoute, defineRoute, type Principal } from '../http/route.js';
import {
  type EventInput,
  eventBatchResultSchema,
  eventBatchSchema,
  eventQuerySchema,
  eventSchema,
  MAX_CLOCK_SKEW_MS,
} from './event.schema.js';
import type { AfterStore, EventStore } from './event-store.js';

/**
 * What the experiments slice does with events that name an experiment: `check` says per event
 * whether it can be counted (null) or why not; `counter` counts the stored ones inside the
 * insert's transaction.
 */
export interface ExperimentEvents {
  check(environment: string, events: readonly EventInput[]): Promise<(string | null)[]>;
  counter(environment: string): AfterStore;
}

export interface TrackingRoutesOptions {
  store: EventStore;
  defaultEnvironment: () => string;
  /** Throws NOT_FOUND when the environment does not exist. */
  environmentExists: (name: string) => Promise<void>;
  now: () => Date;
  experiments?: ExperimentEvents;
  /** Events per second per token (config `quotas.eventsPerSecond`). */
  quota?: RateQuota;
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
      summary:
        'Record business events (page_view, bounce, conversion; exposure and metric events of experiments); ids deduplicate replays; bad entries are answered one by one',
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
        const wait = options.quota?.take(principal.tokenId ?? principal.subject, body.events.length) ?? 0;
        if (wait > 0)
          throw quotaExceeded(
            `this token sends more than ${options.quota?.rate} events a second (SLUICE_QUOTA_EVENTS_PER_SECOND); nothing of this batch was stored`,
            wait,
          );
        const now = options.now();
        await options.environmentExists(environment);
        const { good, errors } = await validateEntries(body.events, environment, now, options.experiments);
        if (good.length === 0) {
          throw ValidationFailed(
            `every event is refused: ${errors
              .slice(0, 5)
              .map((f) => `${f.path}: ${f.message}`)
              .join('; ')}${errors.length > 5 ? '; …' : ''}`,
            { fields: errors },
          );
        }
        const { stored, duplicates } = await options.store.insert(
          environment,
          good,
          now,
          principal.subject,
          options.experiments?.counter(environment),
        );
        const answer = { environment, received: body.events.length, stored, duplicates };
        if (!errors.length) return answer;
        const rejected = new Set(errors.map((e) => /^body\.events\[\d+\]/.exec(e.path)?.[0])).size;
        return { ...answer, rejected, errors };
      },
    }),
  ];
}

/**
 * Each entry on its own: its shape, its time (no more than the clock skew ahead), and for
 * experiment events whether the experiment can count it. Bad entries are answered, not stored.
 */
async function validateEntries(
  raw: unknown[],
  environment: string,
  now: Date,
  experiments: ExperimentEvents | undefined,
): Promise<{ good: EventInput[]; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const parsed: { index: number; event: EventInput }[] = [];
  const limit = now.getTime() + MAX_CLOCK_SKEW_MS;
  raw.forEach((entry, index) => {
    const path = `body.events[${index}]`;
    const r = eventSchema.safeParse(entry);
    if (!r.success) errors.push(...zodFields(path, r.error));
    else if (Date.parse(r.data.time) > limit)
      errors.push({ path: `${path}.time`, message: 'is more than 5 minutes ahead of the server clock' });
    else parsed.push({ index, event: r.data });
  });
  const named = parsed.filter((p) => p.event.experiment !== undefined);
  if (named.length && !experiments) {
    for (const p of named)
      errors.push({ path: `body.events[${p.index}].experiment`, message: 'experiments are not served here' });
  } else if (named.length && experiments) {
    const problems = await experiments.check(
      environment,
      named.map((p) => p.event),
    );
    problems.forEach((problem, i) => {
      if (problem !== null)
        errors.push({ path: `body.events[${named[i]!.index}].experiment`, message: problem });
    });
  }
  const bad = new Set(errors.map((e) => /^body\.events\[(\d+)\]/.exec(e.path)?.[1]));
  return { good: parsed.filter((p) => !bad.has(String(p.index))).map((p) => p.event), errors };
}
