/**
 * Who may evaluate where, for the routes outside /api/v1 (OFREP, the feature API, the change
 * stream). An `sdk:<env>` token picks its environment; a read/write/admin token may name one
 * with `?environment=` and otherwise gets the server's default.
 */
import { isSluiceError } from '@sluice/core';
import { ENVIRONMENT_NAME, parseScope, scopesGrant } from '@sluice/core/auth';
import { bearerSecret, type TokenVerifier } from '../../http/auth.js';
import type { Principal } from '../../http/route.js';
import { OfrepBadRequest, OfrepForbidden, OfrepUnauthorized } from './errors.js';

/** The presented secret: `Authorization: Bearer`, else OFREP's optional `X-API-Key`. */
export function presentedSecret(headers: Record<string, string | string[] | undefined>): string | null {
  try {
    const bearer = bearerSecret(headers.authorization);
    if (bearer !== null) return bearer;
  } catch (error) {
    if (isSluiceError(error)) throw OfrepUnauthorized(error.detail);
    throw error;
  }
  const key = headers['x-api-key'];
  const value = Array.isArray(key) ? key[0] : key;
  return value?.trim() ? value.trim() : null;
}

/** The principal for a secret; 401 when it is unknown, revoked or expired. */
export async function principalFor(tokens: TokenVerifier, secret: string): Promise<Principal> {
  return knownPrincipal(await tokens.verify(secret));
}

/** A verified principal, or 401 when verification found none (unknown, revoked or expired). */
export function knownPrincipal(principal: Principal | null): Principal {
  if (!principal) throw OfrepUnauthorized('the token is unknown, revoked or expired');
  return principal;
}

/** The presented secret, or 401 when there is none. */
export function requiredSecret(headers: Record<string, string | string[] | undefined>): string {
  const secret = presentedSecret(headers);
  if (secret === null) throw OfrepUnauthorized('send "Authorization: Bearer <token>" (an sdk:<env> token)');
  return secret;
}

/** The environment a request evaluates in: the one named, the token's sdk environment, or the default. */
export function environmentFor(principal: Principal, named: string | undefined, fallback: string): string {
  if (named) return named;
  for (const scope of principal.scopes) {
    const parsed = parseScope(scope);
    if (parsed.level === 'sdk' && parsed.environment) return parsed.environment;
  }
  return fallback;
}

/** Throws 403 unless the principal may evaluate flags in the environment. */
export function requireEvaluate(principal: Principal, environment: string): void {
  if (!scopesGrant(principal.scopes, 'sdk', environment))
    throw OfrepForbidden(
      `the token (${principal.scopes.join(', ') || 'no scopes'}) may not evaluate flags in "${environment}"`,
    );
}

/**
 * Granted environments per principal. The token service hands out the same principal object for
 * a token while it caches it (a revoke drops it), so a grant is decided once per principal,
 * named environment and default, not on every evaluation. Only grants are kept: refusals throw.
 */
const granted = new WeakMap<Principal, Map<string, string>>();

/** The environment the principal evaluates in (see `environmentFor`); 400 for a bad name, 403 if not allowed. */
export function evaluationEnvironment(
  principal: Principal,
  named: string | undefined,
  fallback: string,
): string {
  if (named !== undefined && !ENVIRONMENT_NAME.test(named))
    throw OfrepBadRequest(`"${named.slice(0, 64)}" is not an environment name (query.environment)`);
  // a valid name holds no NUL, so an absent one cannot collide with a named one
  const id = named === undefined ? `\u0000${fallback}` : `${named}\u0000${fallback}`;
  let grants = granted.get(principal);
  const hit = grants?.get(id);
  if (hit !== undefined) return hit;
  const environment = environmentFor(principal, named, fallback);
  requireEvaluate(principal, environment);
  if (grants === undefined) {
    grants = new Map();
    granted.set(principal, grants);
  }
  if (grants.size < 64) grants.set(id, environment);
  return environment;
}

/** Authenticates and picks the environment in one step (OFREP routes and the change stream). */
export async function authorizeEvaluation(
  tokens: TokenVerifier,
  headers: Record<string, string | string[] | undefined>,
  named: string | undefined,
  fallback: string,
): Promise<{ principal: Principal; environment: string; secret: string }> {
  const secret = presentedSecret(headers);
  if (secret === null) throw OfrepUnauthorized('send "Authorization: Bearer <token>" (an sdk:<env> token)');
  const principal = await principalFor(tokens, secret);
  return { principal, environment: evaluationEnvironment(principal, named, fallback), secret };
}
