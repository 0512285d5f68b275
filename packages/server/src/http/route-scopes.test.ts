/**
 * Every /api/v1 route, found by walking the route table: without a token → 401, with a token
 * whose scope does not grant the route → 403. A new route is covered without anyone writing
 * a test for it.
 */
import type { Requirement } from '@sluice/core/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** A scope that must NOT grant each requirement. */
const WRONG_SCOPE: Record<Requirement, string | null> = {
  public: null,
  token: null,
  admin: 'write',
  write: 'read',
  read: 'sdk:development',
  sdk: 'router',
  router: 'read',
};

function concreteUrl(url: string): string {
  return url.replace(/:id\b/g, 'abcdefabcdef').replace(/:([A-Za-z]+)/g, 'probe');
}

describe('route scopes', () => {
  let t: TestServer;
  const wrongTokens = new Map<string, string>();
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    for (const scope of new Set(Object.values(WRONG_SCOPE)))
      if (scope) wrongTokens.set(scope, await t.token([scope]));
  });
  afterAll(async () => t?.close());

  it('declares a scope on every /api/v1 route and finds many routes', () => {
    const api = t.server.app.routes.filter((r) => r.url.startsWith('/api/v1'));
    expect(api.length).toBeGreaterThan(10);
    for (const r of api) expect(Object.keys(WRONG_SCOPE)).toContain(r.scope);
  });

  it('answers 401 without a token and 403 with the wrong scope, on every protected route', async () => {
    const protectedRoutes = t.server.app.routes.filter(
      (r) => r.url.startsWith('/api/v1') && r.scope !== 'public',
    );
    for (const route of protectedRoutes) {
      const url = concreteUrl(route.url);
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const anonymous = await t.request(route.method, url, { token: null, body });
      expect(anonymous.status, `${route.method} ${route.url} without a token`).toBe(401);
      expect(anonymous.body.code).toBe('UNAUTHORIZED');
      const bogus = await t.request(route.method, url, { token: 'slc_000000000000_unknown', body });
      expect(bogus.status, `${route.method} ${route.url} with an unknown token`).toBe(401);
      const wrong = WRONG_SCOPE[route.scope];
      if (!wrong) continue;
      const res = await t.request(route.method, url, { token: wrongTokens.get(wrong) as string, body });
      expect(res.status, `${route.method} ${route.url} with scope ${wrong}`).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
  });

  it('accepts a revoked token no more', async () => {
    const created = await t.request('POST', '/api/v1/tokens', {
      body: { subject: 'temp', scopes: ['read'] },
    });
    expect((await t.request('GET', '/api/v1/whoami', { token: created.body.token })).body.subject).toBe(
      'temp',
    );
    await t.request('POST', `/api/v1/tokens/${created.body.id}/revoke`);
    expect((await t.request('GET', '/api/v1/whoami', { token: created.body.token })).status).toBe(401);
  });
});
