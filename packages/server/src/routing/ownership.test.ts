/**
 * H2 (issue 13): a `write:staging` token took over an admin's production Route by naming it in a
 * staging Service's `traffic.route.name`; the builtin traffic provider wrote it with admin scope
 * and the router sent production's users to the attacker. A Route now belongs to an environment:
 * refused at the Service's write (ROUTE_NOT_OWNED, naming the field), refused again when a run's
 * provider would write it, and no environment token writes, re-owns or deletes another's Route.
 * On SQLite and PostgreSQL, with the real embedded router and real upstreams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { probe, startUpstreams, type Upstreams } from '../traffic/test-support/upstreams.js';

const plan = (name: string, app: string, version: string) => ({
  name,
  version,
  max_duration_hours: 1,
  stages: [
    {
      name: 'switch',
      strategy: 'blue_green',
      config: { app_name: app, image: `${app}:${version}`, scale_down_delay_seconds: 0 },
    },
  ],
});

const ENDED = ['succeeded', 'failed', 'rolled_back', 'aborted'];

describe.each(DIALECTS)('H2: a Route belongs to its environment (%s)', (dialect) => {
  let t: TestServer;
  let up: Upstreams;
  let staging: string; // the attacker's token: write:staging
  let production: string;
  const routerUrl = () => `http://127.0.0.1:${t.server.router?.status().listen?.port}`;
  const evilService = (route: string) => ({
    spec: {
      deploy: { provider: 'static', upstreams: { '6.6.6': [up.urls.attacker] } },
      traffic: { provider: 'builtin', route: { name: route } },
    },
  });
  const adminRoute = async (name: string, host: string) => {
    const res = await t.request('PUT', `/api/v1/routes/${name}`, {
      body: {
        spec: { host, versions: [{ name: '1.0.0', url: up.urls.prod }], weights: { '1.0.0': 100 } },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const runToEnd = async (rollout: string, token: string) => {
    const started = await t.request('POST', `/api/v1/rollouts/${rollout}/start?environment=staging`, {
      token,
      body: {},
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    let run = started.body;
    for (let i = 0; i < 400 && !ENDED.includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await t.request('GET', `/api/v1/rollout-runs/${started.body.id}`, { token })).body;
    }
    return run;
  };

  beforeAll(async () => {
    up = await startUpstreams(['prod', 'attacker', 'staging']);
    t = await startTestServer(dialect, { embeddedRouter: true });
    for (const name of ['staging', 'production'])
      expect(
        (await t.request('PUT', `/api/v1/environments/${name}`, { body: { spec: {} } })).status,
      ).toBeLessThan(300);
    staging = await t.token(['write:staging'], 'mallory');
    production = await t.token(['write:production'], 'prod-deployer');
  });
  afterAll(async () => {
    await t?.close();
    await up?.close();
  });

  it("refuses a staging Service naming an admin's production route, naming the field", async () => {
    await adminRoute('prod-api', 'prod.localhost');
    const put = await t.request('PUT', '/api/v1/services/evil?environment=staging', {
      token: staging,
      body: evilService('prod-api'),
    });
    expect(put.status, JSON.stringify(put.body)).toBe(403);
    expect(put.body.code).toBe('ROUTE_NOT_OWNED');
    expect(put.body.errors).toEqual([
      { path: 'body.spec.traffic.route.name', message: expect.stringContaining('the operator') },
    ]);
    const apply = await t.request('POST', '/api/v1/apply?environment=staging', {
      token: staging,
      body: {
        documents: [
          { kind: 'Service', metadata: { name: 'evil', environment: 'staging' }, ...evilService('prod-api') },
        ],
      },
    });
    expect(apply.status).toBe(403);
    expect(apply.body.code).toBe('ROUTE_NOT_OWNED');
    expect(apply.body.errors[0].path).toBe('documents[0].spec.traffic.route.name');
    expect((await t.request('GET', '/api/v1/services/evil?environment=staging')).status).toBe(404);
  });

  it('refuses in the run as well: a Service written before the route existed does not take it', async () => {
    // the Service and its plan are stored while `prod-late` does not exist yet
    const apply = await t.request('POST', '/api/v1/apply?environment=staging', {
      token: staging,
      body: {
        documents: [
          {
            kind: 'Service',
            metadata: { name: 'late', environment: 'staging' },
            ...evilService('prod-late'),
          },
          plan('Hijack', 'late', '6.6.6'),
        ],
      },
    });
    expect(apply.status, JSON.stringify(apply.body)).toBe(200);
    const before = await adminRoute('prod-late', 'late.localhost');
    const run = await runToEnd('hijack', staging);
    expect(run.status).not.toBe('succeeded');
    expect(run.reason).toContain('Route "prod-late" belongs to the operator');
    const after = (await t.request('GET', '/api/v1/routes/prod-late')).body;
    expect(after.metadata).toMatchObject({ version: before.metadata.version, updatedBy: 'admin' });
    expect(after.spec.versions).toEqual([{ name: '1.0.0', url: up.urls.prod }]);
    // and production's users still reach production
    expect(await probe(`${routerUrl()}/`, 5, { host: 'late.localhost' })).toEqual({ prod: 5 });
  });

  it('refuses a staging Route on a host another owner serves, even under a longer prefix the router prefers', async () => {
    await adminRoute('prod-shop', 'shop.localhost');
    const takeover = (extra: object) => ({
      spec: {
        host: 'SHOP.localhost',
        pathPrefix: '/admin',
        versions: [{ name: '6.6.6', url: up.urls.attacker }],
        weights: { '6.6.6': 100 },
        environment: 'staging',
        ...extra,
      },
    });
    for (const extra of [{}, { host: undefined }]) {
      const res = await t.request('PUT', '/api/v1/routes/shop-admin', {
        token: staging,
        body: takeover(extra),
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({
        path: 'body.spec.host',
        message: expect.stringMatching(/is served by Route "prod-(shop|api)" of the operator/),
      });
    }
    expect((await t.request('GET', '/api/v1/routes/shop-admin')).status).toBe(404);
    expect(await probe(`${routerUrl()}/admin`, 5, { host: 'shop.localhost' })).toEqual({ prod: 5 });
    // an admin may mix owners on one host
    const byAdmin = await t.request('PUT', '/api/v1/routes/shop-admin', { body: takeover({}) });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(201);
    expect((await t.request('DELETE', '/api/v1/routes/shop-admin')).status).toBeLessThan(300);
  });

  it("lets no environment token write, re-own or delete another environment's Route", async () => {
    const spec = (environment?: string) => ({
      host: 'owned.localhost',
      versions: [{ name: '1.0.0', url: up.urls.prod }],
      weights: { '1.0.0': 100 },
      ...(environment ? { environment } : {}),
    });
    // an environment's token writes Routes of its own environment only, never an operator's
    const mine = {
      host: 'mine.staging.localhost',
      versions: [{ name: '1', url: up.urls.staging }],
      weights: { '1': 100 },
    };
    for (const owner of [undefined, 'production'])
      expect(
        (
          await t.request('PUT', '/api/v1/routes/mine', {
            token: staging,
            body: { spec: { ...mine, environment: owner } },
          })
        ).status,
      ).toBe(403);
    expect(
      (
        await t.request('PUT', '/api/v1/routes/mine', {
          token: staging,
          body: { spec: { ...mine, environment: 'staging' } },
        })
      ).status,
    ).toBe(201);
    // an operator's Route (no owner) needs unlimited write; an admin gives it to production
    expect((await t.request('PUT', '/api/v1/routes/owned', { body: { spec: spec() } })).status).toBeLessThan(
      300,
    );
    const take = await t.request('PUT', '/api/v1/routes/owned', {
      token: staging,
      body: { spec: spec('staging') },
    });
    expect(take.status).toBe(403);
    expect(take.body.code).toBe('FORBIDDEN');
    expect(
      (await t.request('PUT', '/api/v1/routes/owned', { body: { spec: spec('production') } })).status,
    ).toBe(200);
    // production's token edits its Route; staging's neither edits, takes nor deletes it
    const edited = { ...spec('production'), pathPrefix: '/v2' };
    expect(
      (await t.request('PUT', '/api/v1/routes/owned', { token: production, body: { spec: edited } })).status,
    ).toBe(200);
    for (const body of [
      { spec: { ...edited, pathPrefix: '/v3' } },
      { spec: { ...edited, environment: 'staging' } },
    ])
      expect((await t.request('PUT', '/api/v1/routes/owned', { token: staging, body })).status).toBe(403);
    expect((await t.request('DELETE', '/api/v1/routes/owned', { token: staging })).status).toBe(403);
    // handing it on needs the scope on both sides
    const away = { spec: { ...edited, environment: 'staging' } };
    expect((await t.request('PUT', '/api/v1/routes/owned', { token: production, body: away })).status).toBe(
      403,
    );
    const both = await t.token(['write:staging', 'write:production'], 'both');
    expect((await t.request('PUT', '/api/v1/routes/owned', { token: both, body: away })).status).toBe(200);
    // an owner that is no environment is refused, naming the field
    const ghost = await t.request('PUT', '/api/v1/routes/owned', {
      body: { spec: { ...edited, environment: 'nowhere' } },
    });
    expect(ghost.status).toBe(400);
    expect(ghost.body.errors[0].path).toContain('spec.environment');
  });

  it("drives a staging Service's own route with staging's authority, and keeps it staging's", async () => {
    const apply = await t.request('POST', '/api/v1/apply?environment=staging', {
      token: staging,
      body: {
        documents: [
          {
            kind: 'Service',
            metadata: { name: 'api', environment: 'staging' },
            spec: {
              deploy: { provider: 'static', upstreams: { '2.0.0': [up.urls.staging] } },
              traffic: { provider: 'builtin', route: { host: 'staging-api.localhost' } },
            },
          },
          plan('Staging api', 'api', '2.0.0'),
        ],
      },
    });
    expect(apply.status, JSON.stringify(apply.body)).toBe(200);
    const run = await runToEnd('staging-api', staging);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const route = (await t.request('GET', '/api/v1/routes/api')).body;
    expect(route.spec.environment).toBe('staging');
    expect(route.metadata.updatedBy).toBe('traffic:builtin');
    expect(await probe(`${routerUrl()}/`, 5, { host: 'staging-api.localhost' })).toEqual({ staging: 5 });
    // production's Service of the same name needs a route of its own: the default one is staging's
    const prod = await t.request('PUT', '/api/v1/services/api?environment=production', {
      token: production,
      body: {
        spec: {
          deploy: { provider: 'static', upstreams: { '2.0.0': [up.urls.prod] } },
          traffic: { provider: 'builtin', route: { host: 'api.localhost' } },
        },
      },
    });
    expect(prod.status).toBe(403);
    expect(prod.body.code).toBe('ROUTE_NOT_OWNED');
    const named = await t.request('PUT', '/api/v1/services/api?environment=production', {
      token: production,
      body: {
        spec: {
          deploy: { provider: 'static', upstreams: { '2.0.0': [up.urls.prod] } },
          traffic: { provider: 'builtin', route: { name: 'api-production', host: 'api.localhost' } },
        },
      },
    });
    expect(named.status, JSON.stringify(named.body)).toBeLessThan(300);
  });
});
