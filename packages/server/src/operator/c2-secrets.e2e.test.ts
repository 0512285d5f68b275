/**
 * C2 on the real server: a `write:staging` token once pointed a kubernetes deploy provider at
 * a catcher on loopback with `token: {secretRef: SLUICE_ADMIN_TOKEN}` (or `tokenFile`) and got
 * the admin token as a bearer. Now the connection is operator configuration, a secretRef
 * resolves only declared secrets, and a named operator connection still works.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../test-support/server.js';

const KUBE_SECRET = 'kube-secret-for-staging-0001';

describe('C2: secrets never leave through a provider connection', () => {
  let t: TestServer;
  let catcher: http.Server;
  let url: string;
  const seen: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    catcher = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'DeploymentList', items: [] }));
    });
    await new Promise<void>((r) => catcher.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(catcher.address() as AddressInfo).port}`;
    process.env.SLUICE_ADMIN_TOKEN = ADMIN_TOKEN;
    process.env.DATABASE_URL_COPY = 'postgres://secret@db/prod';
    process.env.SLUICE_SECRET_KUBE_TOKEN = KUBE_SECRET;
    t = await startTestServer('sqlite', {
      operator: {
        connections: {
          lab: { server: url, token: { secretRef: 'SLUICE_SECRET_KUBE_TOKEN' }, environments: ['staging'] },
        },
      },
    });
    await t.request('PUT', '/api/v1/environments/staging', { body: { spec: {} } });
  });
  afterAll(async () => {
    process.env = saved;
    await t?.close();
    catcher?.close();
  });

  const kube = (connection: unknown) => ({
    deploy: { provider: 'kubernetes', namespace: 'apps', connection },
  });

  it('refuses a connection object from an environment-scoped token', async () => {
    const staging = await t.token(['write:staging'], 'attacker');
    const res = await t.request('PUT', '/api/v1/services/api?environment=staging', {
      token: staging,
      body: { spec: kube({ server: url, token: { secretRef: 'SLUICE_ADMIN_TOKEN' } }) },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('OPERATOR_ONLY');
  });

  it('refuses tokenFile in a resource, even from an admin', async () => {
    const res = await t.request('PUT', '/api/v1/services/api?environment=staging', {
      body: { spec: kube({ server: url, tokenFile: '/etc/shadow' }) },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('sends no undeclared variable, not even for an admin-written connection', async () => {
    for (const name of ['SLUICE_ADMIN_TOKEN', 'DATABASE_URL_COPY']) {
      const put = await t.request('PUT', '/api/v1/services/leak?environment=staging', {
        body: { spec: kube({ server: url, token: { secretRef: name } }) },
      });
      expect(put.status).toBeLessThan(300);
      const versions = await t.request('GET', '/api/v1/service-versions?environment=staging&service=leak');
      expect(versions.status).toBe(422);
      expect(versions.body.code).toBe('SECRET_NOT_FOUND');
    }
    expect(seen.filter((h) => h.includes(ADMIN_TOKEN) || h.includes('postgres://'))).toEqual([]);
  });

  it('lets a scoped token name the operator connection, which carries the declared secret', async () => {
    const staging = await t.token(['write:staging'], 'team');
    const put = await t.request('PUT', '/api/v1/services/api?environment=staging', {
      token: staging,
      body: { spec: kube('lab') },
    });
    expect(put.status).toBe(201);
    seen.length = 0;
    const versions = await t.request('GET', '/api/v1/service-versions?environment=staging&service=api');
    expect(versions.status).toBe(200);
    expect(seen).toContain(`Bearer ${KUBE_SECRET}`);
    // the connection is the operator's for staging only
    await t.request('PUT', '/api/v1/environments/production', { body: { spec: {} } });
    await t.request('PUT', '/api/v1/services/api?environment=production', { body: { spec: kube('lab') } });
    const prod = await t.request('GET', '/api/v1/service-versions?environment=production&service=api');
    expect(prod.status).toBe(400);
    expect(prod.body.detail).toMatch(/"lab" is for staging, not production/);
  });
});
