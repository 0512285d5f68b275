/**
 * Who is signed in: the token (session storage only, never a URL), what the server says it is
 * (`/api/v1/whoami`), the environment being looked at, and `can(need, env)` that decides which
 * controls are offered, by the same rules the server applies.
 */
import { type Requirement, scopesGrant } from '@sluice/core/auth';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { type Api, createApi, ok, type Schemas } from './api/client';

const TOKEN_KEY = 'sluice.token';
const ENV_KEY = 'sluice.environment';

export interface Identity {
  subject: string;
  scopes: string[];
  roles: string[];
}

export interface Session {
  api: Api;
  token: string;
  identity: Identity;
  environments: string[];
  environment: string;
  setEnvironment(name: string): void;
  /** Whether the token's scopes grant `need` in `environment` (default: the one looked at). */
  can(need: Requirement, environment?: string | null): boolean;
  /** The fetch every call uses (a test's in-process server, or the browser's). */
  fetchImpl: typeof fetch | undefined;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in view');
  return session;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Checks a token against the server; on success it is kept for this browser tab. */
export async function signIn(
  token: string,
  fetchImpl?: typeof fetch,
): Promise<{ identity: Identity; environments: string[] }> {
  const api = createApi(token, '', fetchImpl);
  const identity = await ok(api.GET('/api/v1/whoami'));
  const environments = await listEnvironments(api, identity);
  sessionStorage.setItem(TOKEN_KEY, token);
  return { identity, environments };
}

/** Environments the token may read: all of them for a wide token, its own for a limited one. */
async function listEnvironments(api: Api, identity: Identity): Promise<string[]> {
  const limited = identity.scopes
    .map((s) => /^(?:read|write|sdk):(.+)$/.exec(s)?.[1])
    .filter((e): e is string => Boolean(e));
  if (scopesGrant(identity.scopes, 'read', null)) {
    const page = await ok(api.GET('/api/v1/environments', { params: { query: { limit: 1000 } } }));
    return page.items.map((r: Schemas['Resource']) => r.metadata.name);
  }
  return [...new Set(limited)];
}

export function SessionProvider(props: {
  token: string;
  identity: Identity;
  environments: string[];
  onSignOut: () => void;
  children: ReactNode;
  fetchImpl?: typeof fetch;
}) {
  const { token, identity, environments, onSignOut, fetchImpl } = props;
  const [environment, setEnv] = useState(() => {
    const saved = sessionStorage.getItem(ENV_KEY);
    if (saved && environments.includes(saved)) return saved;
    return environments.includes('production') ? 'production' : (environments[0] ?? 'development');
  });
  const setEnvironment = useCallback((name: string) => {
    sessionStorage.setItem(ENV_KEY, name);
    setEnv(name);
  }, []);
  const session = useMemo<Session>(
    () => ({
      api: createApi(token, '', fetchImpl),
      token,
      identity,
      environments,
      environment,
      setEnvironment,
      can: (need, env = environment) => scopesGrant(identity.scopes, need, env),
      fetchImpl,
      signOut() {
        sessionStorage.removeItem(TOKEN_KEY);
        onSignOut();
      },
    }),
    [token, identity, environments, environment, setEnvironment, onSignOut, fetchImpl],
  );
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
