/**
 * Token scopes, pure. `admin` > `write` > `read`; write and read may be limited to one
 * environment (`write:production`); `sdk:<env>` evaluates flags in one environment;
 * `router` reads data-plane configuration. No zod here: the dashboard bundles this file to
 * decide which controls a token is offered.
 */
export const ENVIRONMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What a route needs. `environment` is the environment the request acts on, if any. */
export type Requirement = 'public' | 'token' | 'read' | 'write' | 'admin' | 'sdk' | 'router';

/**
 * Stands for "some environment, checked item by item later" (e.g. `apply` of documents for
 * several environments): a route that declares it lets an environment-limited scope pass
 * (`scopesGrantSomewhere`) and checks each item on its own. It is a route's declaration only:
 * as an environment given to `scopeGrants` it is a name no scope is limited to (M1: a client's
 * `?environment=*` widened nothing since).
 */
export const ANY_ENVIRONMENT = '*';

export interface ParsedScope {
  level: 'admin' | 'write' | 'read' | 'sdk' | 'router';
  environment: string | null;
}

export function parseScope(scope: string): ParsedScope {
  const [level, environment] = scope.split(':', 2) as [ParsedScope['level'], string | undefined];
  return { level, environment: environment ?? null };
}

const RANK: Record<ParsedScope['level'], number> = { read: 1, write: 2, admin: 3, sdk: 0, router: 0 };

/**
 * Whether one scope grants a requirement in an environment. An environment-limited scope only
 * grants requests that name its environment (`environment === null` means the request spans
 * environments, which a limited scope cannot see).
 */
export function scopeGrants(scope: string, need: Requirement, environment: string | null): boolean {
  if (need === 'public' || need === 'token') return true;
  const s = parseScope(scope);
  if (s.level === 'admin') return true;
  if (need === 'router') return s.level === 'router';
  if (need === 'sdk') {
    if (s.level === 'sdk') return environment !== null && s.environment === environment;
    // read access to an environment includes evaluating its flags
    return RANK[s.level] >= RANK.read && (s.environment === null || s.environment === environment);
  }
  if (s.level === 'sdk' || s.level === 'router') return false;
  if (RANK[s.level] < RANK[need]) return false;
  return s.environment === null || s.environment === environment;
}

/** True when any of the token's scopes grants the requirement. */
export function scopesGrant(
  scopes: readonly string[],
  need: Requirement,
  environment: string | null,
): boolean {
  if (need === 'public' || need === 'token') return true;
  return scopes.some((s) => scopeGrants(s, need, environment));
}

/**
 * True when the token holds `need` in at least one environment: what a route declaring
 * ANY_ENVIRONMENT asks before it checks each item against the environment it is in.
 */
export function scopesGrantSomewhere(scopes: readonly string[], need: Requirement): boolean {
  if (need === 'public' || need === 'token') return true;
  return scopes.some((s) => scopeGrants(s, need, parseScope(s).environment));
}
