/** The resource API end to end on both databases: apply, read, concurrency, delete, audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const twoEnvironments = [
  { kind: 'Environment', metadata: { name: 'staging' }, spec: { description: 'pre-production' } },
  { kind: 'Environment', metadata: { name: 'qa' }, spec: { settings: { publicEvaluation: true } } },
];

describe.each(DIALECTS)('resource API on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => t?.close());

  it('has development and production from the start', async () => {
    const res = await t.request('GET', '/api/v1/environments');
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: any) => e.metadata.name)).toEqual(['development', 'production']);
  });

  it('applies documents, and a second apply of the same documents is a no-op', async () => {
    const auditBefore = (await t.request('GET', '/api/v1/audit?limit=500')).body.items.length;
    const first = await t.request('POST', '/api/v1/apply', { body: { documents: twoEnvironments } });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: any) => [r.name, r.action, r.version])).toEqual([
      ['staging', 'created', 1],
      ['qa', 'created', 1],
    ]);
    const second = await t.request('POST', '/api/v1/apply', { body: { documents: twoEnvironments } });
    expect(second.body.results.map((r: any) => r.action)).toEqual(['unchanged', 'unchanged']);
    const audit = (await t.request('GET', '/api/v1/audit?limit=500')).body.items;
    expect(audit.length - auditBefore).toBe(2);
    expect(audit[0]).toMatchObject({
      actor: 'admin',
      action: 'create',
      kind: 'Environment',
      name: 'qa',
      before: null,
    });
    expect(audit[0].after.spec).toEqual({ description: '', settings: { publicEvaluation: true } });
    expect(audit[0].requestId).toBeTruthy();
  });

  it('reports every bad document with its path and writes nothing', async () => {
    const auditBefore = (await t.request('GET', '/api/v1/audit?limit=500')).body.items.length;
    const res = await t.request('POST', '/api/v1/apply', {
      body: {
        documents: [
          { kind: 'Environment', metadata: { name: 'ok-one' }, spec: {} },
          {
            kind: 'Environment',
            metadata: { name: 'Bad Name' },
            spec: { settings: { publicEvaluation: 'yes' } },
          },
          { kind: 'Widget', metadata: { name: 'w' }, spec: {} },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const paths = res.body.errors.map((e: any) => e.path);
    expect(paths).toContain('documents[1].metadata.name');
    expect(paths).toContain('documents[1].spec.settings.publicEvaluation');
    expect(paths).toContain('documents[2].kind');
    expect(res.body.errors.find((e: any) => e.path === 'documents[2].kind').message).toMatch(
      /known kinds: Environment/,
    );
    expect((await t.request('GET', '/api/v1/environments/ok-one')).status).toBe(404);
    expect((await t.request('GET', '/api/v1/audit?limit=500')).body.items.length).toBe(auditBefore);
  });

  it('dry-runs an apply without writing', async () => {
    const res = await t.request('POST', '/api/v1/apply', {
      body: { dryRun: true, documents: [{ kind: 'Environment', metadata: { name: 'dry' }, spec: {} }] },
    });
    expect(res.body).toMatchObject({
      dryRun: true,
      results: [{ name: 'dry', action: 'created', version: 1 }],
    });
    expect((await t.request('GET', '/api/v1/environments/dry')).status).toBe(404);
  });

  it('refuses a stale write with 409 and changes nothing', async () => {
    const put = (version: string, description: string) =>
      t.request('PUT', '/api/v1/environments/staging', {
        body: { spec: { description } },
        headers: { 'if-match': version },
      });
    const ok = await put('"1"', 'second');
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.version).toBe(2);
    expect(ok.headers.etag).toBe('"2"');
    const stale = await put('"1"', 'lost update');
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 2, expectedVersion: 1 });
    const now = await t.request('GET', '/api/v1/environments/staging');
    expect(now.body.spec.description).toBe('second');
    const viaMetadata = await t.request('PUT', '/api/v1/environments/staging', {
      body: { metadata: { version: 1 }, spec: { description: 'x' } },
    });
    expect(viaMetadata.status).toBe(409);
  });

  it('deletes, protects the default environment, and audits the delete', async () => {
    expect((await t.request('DELETE', '/api/v1/environments/development')).body.code).toBe(
      'DEFAULT_ENVIRONMENT_PROTECTED',
    );
    const del = await t.request('DELETE', '/api/v1/environments/qa');
    expect(del.status).toBe(200);
    expect((await t.request('GET', '/api/v1/environments/qa')).status).toBe(404);
    const entry = (await t.request('GET', '/api/v1/audit?kind=Environment&name=qa&action=delete')).body
      .items[0];
    expect(entry).toMatchObject({ action: 'delete', after: null });
    expect(entry.before.metadata.name).toBe('qa');
  });

  it('refuses to delete an environment that still holds resources, naming them', async () => {
    await t.request('PUT', '/api/v1/flags/in-staging?environment=staging', {
      body: { spec: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
    });
    const refused = await t.request('DELETE', '/api/v1/environments/staging');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'ENVIRONMENT_NOT_EMPTY',
      resources: [{ kind: 'Flag', name: 'in-staging' }],
    });
    expect(refused.body.detail).toContain('still holds 1 resource: Flag/in-staging');
    expect((await t.request('GET', '/api/v1/environments/staging')).status).toBe(200);
    await t.request('DELETE', '/api/v1/flags/in-staging?environment=staging');
    expect((await t.request('DELETE', '/api/v1/environments/staging')).status).toBe(200);
  });

  it('limits environment-scoped writers to their environment on apply', async () => {
    const token = await t.token(['write:production']);
    const res = await t.request('POST', '/api/v1/apply', {
      token,
      body: { documents: [{ kind: 'Environment', metadata: { name: 'sneaky' }, spec: {} }] },
    });
    expect(res.status).toBe(403);
    expect((await t.request('GET', '/api/v1/environments/sneaky')).status).toBe(404);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const put = res.body.paths['/api/v1/environments/{name}'].put;
    expect(put['x-sluice-scope']).toBe('admin');
    expect(put.requestBody.content['application/json'].schema.properties).toHaveProperty('spec');
    expect(res.body.paths['/api/v1/audit'].get.parameters.map((p: any) => p.name)).toContain('since');
  });

  it('answers health, readiness and metrics', async () => {
    expect((await t.request('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    expect((await t.request('GET', '/readyz', { token: null })).body).toMatchObject({
      status: 'ready',
      database: dialect,
    });
    const metrics = await t.request('GET', '/metrics', { token: null });
    expect(metrics.text).toMatch(
      /sluice_http_request_duration_seconds_bucket\{[^}]*route="\/readyz"[^}]*status="200"/,
    );
    expect(metrics.text).toMatch(/process_resident_memory_bytes/);
  });

  it('keeps request ids and answers unknown routes with problem+json', async () => {
    const res = await t.request('GET', '/api/v1/nothing-here', { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', requestId: 'req-123' });
  });
});
