/**
 * M1 (issue 13): `?environment=*` let a `read:staging` token read every environment's emergency
 * reason, every router's upstreams (`/api/v1/routers`) and `/metrics/names`: routes without an
 * environment function judged the raw query, and `*` meant "any". Walks the route table, so a
 * new route is covered without anyone writing a test for it:
 *
 * - no route but those that declare "any environment" themselves lets a limited token through
 *   with `*` in the query or the path;
 * - a route that names no environment (no function, no `environment` in its query) lets a
 *   limited token through with no `?environment=` at all, not even its own;
 * - the routes that declare "any" are the audited list below: each checks or filters every item.
 */
import { ANY_ENVIRONMENT } from '@sluice/core/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import type { AnyRoute } from './route.js';
import { queryNamesEnvironment } from './route-environment.js';

/** Routes that span environments on purpose, and how each keeps a limited token to its own. */
const DECLARED_ANY: Record<string, string> = {
  'POST /api/v1/apply': 'each document is checked in its own environment',
  'GET /api/v1/watch': 'asked environments checked; each event checked against the scopes',
  'GET /api/v1/rollout-runs/:id': "checked in the run's environment",
  'GET /api/v1/rollout-runs/:id/history': "checked in the run's environment",
  'GET /api/v1/rollout-runs/:id/explain': "checked in the run's environment",
  'POST /api/v1/rollout-runs/:id/*': "controls: checked in the run's environment",
  'POST /api/v1/stats/*': 'calculators: they read no stored data',
  'PUT /api/v1/routes/:name': "the Route's owner, before and after (H2)",
  'DELETE /api/v1/routes/:name': "the Route's owner (H2)",
};

const key = (r: AnyRoute) => `${r.method} ${r.url}`;
const declaresAny = (r: AnyRoute) =>
  r.environment?.({ params: {}, query: {} }) === ANY_ENVIRONMENT &&
  r.environment?.({ params: { name: 'x' }, query: { environment: 'staging' } }) === ANY_ENVIRONMENT;
const audited = (r: AnyRoute) =>
  Object.keys(DECLARED_ANY).some((k) =>
    k.endsWith('*')
      ? key(r).startsWith(k.slice(0, -1)) &&
        !key(r)
          .slice(k.length - 1)
          .includes('/')
      : k === key(r),
  );
// every path parameter "*": the shape of "/environments/*/emergency-stop"
const wildUrl = (url: string) => url.replace(/:[A-Za-z]+/g, '*');
const limited = (r: AnyRoute) =>
  r.scope === 'sdk' ? 'sdk:staging' : `${r.scope === 'read' ? 'read' : 'write'}:staging`;

describe.each(DIALECTS)('M1: ?environment=* never widens an environment-limited token (%s)', (dialect) => {
  let t: TestServer;
  const tokens = new Map<string, string>();
  let routes: AnyRoute[];
  beforeAll(async () => {
    t = await startTestServer(dialect);
    for (const scope of ['read:staging', 'write:staging', 'sdk:staging'])
      tokens.set(scope, await t.token([scope]));
    // something to leak: production in emergency mode, with a reason
    const stop = await t.request('POST', '/api/v1/environments/production/emergency-stop', {
      body: { reason: 'secret incident 42' },
    });
    expect(stop.status).toBeLessThan(300);
    routes = t.server.app.routes.filter(
      (r) => r.url.startsWith('/api/v1') && ['read', 'write', 'sdk'].includes(r.scope),
    );
  });
  afterAll(async () => t?.close());

  it('spans environments only on the audited routes', () => {
    expect(routes.length).toBeGreaterThan(40);
    const declared = routes.filter(declaresAny);
    expect(declared.filter((r) => !audited(r)).map(key)).toEqual([]);
    expect(declared.length).toBeGreaterThanOrEqual(Object.keys(DECLARED_ANY).length);
  });

  it('answers 403 to a limited token that sends "*" in the query or the path', async () => {
    const seen: string[] = [];
    for (const route of routes.filter((r) => !declaresAny(r))) {
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const token = tokens.get(limited(route)) as string;
      const sep = route.url.includes('?') ? '&' : '?';
      for (const url of [
        `${wildUrl(route.url)}${sep}environment=*`,
        `${wildUrl(route.url)}${sep}environment=%2A`,
      ]) {
        const res = await t.request(route.method, url, { token, body });
        expect(res.status, `${route.method} ${url} with ${limited(route)}: ${res.text.slice(0, 200)}`).toBe(
          403,
        );
      }
      seen.push(key(route));
    }
    expect(seen).toContain('GET /api/v1/emergency');
    expect(seen).toContain('GET /api/v1/routers');
  });

  it('answers 403 on routes that name no environment, even with the token’s own', async () => {
    const envless = routes.filter((r) => !r.environment && !queryNamesEnvironment(r.query));
    expect(envless.map(key)).toEqual(
      expect.arrayContaining(['GET /api/v1/emergency', 'GET /api/v1/routers']),
    );
    for (const route of envless) {
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const token = tokens.get(limited(route)) as string;
      const url = `${route.url.replace(/:[A-Za-z]+/g, 'probe')}?environment=staging`;
      const res = await t.request(route.method, url, { token, body });
      expect(res.status, `${route.method} ${url} with ${limited(route)}`).toBe(403);
    }
  });

  it('keeps the findings closed: emergency reasons, routers, metric names', async () => {
    const read = tokens.get('read:staging') as string;
    for (const url of [
      '/api/v1/emergency?environment=*',
      '/api/v1/routers?environment=*',
      '/api/v1/metrics/names?environment=*',
      '/api/v1/emergency?environment=staging',
    ]) {
      const res = await t.request('GET', url, { token: read });
      expect(res.status, url).toBe(403);
      expect(res.text).not.toContain('secret incident 42');
    }
    // what the token may read, it still reads; an unlimited token reads everything
    expect((await t.request('GET', '/api/v1/flags?environment=staging', { token: read })).status).toBe(200);
    const all = await t.request('GET', '/api/v1/emergency');
    expect(all.text).toContain('secret incident 42');
  });
});
