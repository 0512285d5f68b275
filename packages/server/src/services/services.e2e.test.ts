/** The Service kind through the HTTP API on SQLite: apply the examples, read back, refuse bad specs. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../manifests/load.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/services', import.meta.url));

describe('Service API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(() => t?.close());

  it('applies the example Services and reads them back per environment', async () => {
    const { documents } = loadManifests([EXAMPLES]);
    const applied = await t.request('POST', '/api/v1/apply', { body: { documents } });
    expect(applied.status).toBe(200);
    const one = await t.request('GET', '/api/v1/services/api-service?environment=production');
    expect(one.status).toBe(200);
    expect(one.body.spec.deploy).toMatchObject({ provider: 'process' });
    expect(one.body.spec.smokeTests).toHaveLength(2);
    const list = await t.request('GET', '/api/v1/services?environment=production');
    expect(list.body.items.map((s: { metadata: { name: string } }) => s.metadata.name).sort()).toEqual([
      'api-service',
      'web-frontend',
    ]);
    expect((await t.request('GET', '/api/v1/services/api-service?environment=development')).status).toBe(404);
  });

  it('lists the Service routes in the OpenAPI document', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/services', '/api/v1/services/{name}']),
    );
  });

  it('lets only admins write a Service that runs commands on the control plane host', async () => {
    const writer = await t.token(['write'], 'ci-bot');
    const processSpec = { deploy: { provider: 'process', command: 'node app.mjs --port {port}' } };
    const refused = await t.request('PUT', '/api/v1/services/runner?environment=production', {
      body: { spec: processSpec },
      token: writer,
    });
    expect(refused.status).toBe(403);
    expect((await t.request('GET', '/api/v1/services/runner?environment=production')).status).toBe(404);
    const staticSpec = { deploy: { provider: 'static', upstreams: { '1.0.0': ['http://10.0.0.5:8080'] } } };
    const ok = await t.request('PUT', '/api/v1/services/pointer?environment=production', {
      body: { spec: staticSpec },
      token: writer,
    });
    expect(ok.status).toBe(201);
    const admin = await t.request('PUT', '/api/v1/services/runner?environment=production', {
      body: { spec: processSpec },
    });
    expect(admin.status).toBe(201);
  });

  it('refuses a bad spec with the field path and writes nothing', async () => {
    const res = await t.request('PUT', '/api/v1/services/broken?environment=production', {
      body: { spec: { deploy: { provider: 'process', command: 'x', stopGraceSeconds: -1 } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((f: { path: string }) => f.path)).toContain(
      'body.spec.deploy.stopGraceSeconds',
    );
    expect((await t.request('GET', '/api/v1/services/broken?environment=production')).status).toBe(404);
  });
});
