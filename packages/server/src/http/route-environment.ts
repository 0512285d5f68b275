/**
 * The environment a request acts on, which environment-limited scopes are judged against
 * (SECURITY.md, M1). One rule for every route, not a check per route:
 *
 * - Only a route's own declaration spans environments (`environment: () => ANY_ENVIRONMENT`, for
 *   routes that check or filter each item themselves). A client's `*` — in the path or the
 *   query — is never "any": it reaches the route's function as a value no environment has, and
 *   is judged as no environment (only unlimited scopes pass).
 * - A route without an environment function acts in `?environment=` only when its query schema
 *   has that field; otherwise it acts in no environment, whatever the client adds to the URL.
 */
import { ANY_ENVIRONMENT } from '@sluice/core/auth';
import type { AnyRoute } from './route.js';

/** What a client's `*` becomes: not an environment name (they are lower-case letters, digits, `-`). */
const CLIENT_WILDCARD = '\u0000*';

type RawInput = { params: Record<string, unknown>; query: Record<string, unknown> };

/** A resolver for one route, built once at registration. */
export function routeEnvironment(route: AnyRoute): (raw: RawInput) => string | null {
  const fromQuery = queryNamesEnvironment(route.query);
  return (raw) => {
    const input = { params: tame(raw.params), query: tame(raw.query) };
    const named = route.environment ? route.environment(input) : fromQuery ? input.query.environment : null;
    if (named == null || named === CLIENT_WILDCARD) return null;
    const environment = String(named);
    // a `*` the route did not declare itself (a client's, combined or passed through) is no environment
    return environment.includes(CLIENT_WILDCARD) ? null : environment;
  };
}

/** Client-supplied `*` values replaced, so only a route's own constant can mean every environment. */
function tame(values: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(values ?? {})) {
    const wild = value === ANY_ENVIRONMENT || (Array.isArray(value) && value.includes(ANY_ENVIRONMENT));
    if (!wild) continue;
    out ??= { ...values };
    out[key] = CLIENT_WILDCARD;
  }
  return out ?? values ?? {};
}

/** Whether a query schema (an object, possibly wrapped in a pipe, default or optional) has `environment`. */
export function queryNamesEnvironment(schema: unknown): boolean {
  let s = schema as { shape?: unknown; def?: Record<string, unknown> } | undefined;
  for (let depth = 0; s && depth < 8; depth++) {
    if (s.shape && typeof s.shape === 'object') return 'environment' in s.shape;
    s = (s.def?.in ?? s.def?.innerType ?? s.def?.schema) as typeof s;
  }
  return false;
}
