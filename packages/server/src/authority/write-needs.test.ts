/**
 * One rule for what a write needs: the pure function, then C1 on the real server — a
 * `write:staging` token may not point a Service's NGINX provider at a binary of its choosing,
 * on any write path (per-kind PUT, apply), while it may still edit the rest of a Service an
 * admin connected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceKind } from '../services/service.kind.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { assertMayWrite, type WriteRule, writeNeeds } from './write-needs.js';

const nginxService = (binary: string) => ({
  deploy: { provider: 'static', upstreams: { '1.0.0': ['http://127.0.0.1:9'] } },
  traffic: {
    provider: 'nginx',
    options: {
      service: 'api',
      binary,
      mainConfig: '/tmp/x/nginx.conf',
      configPath: '/tmp/x/sluice.conf',
      listen: '8080',
      statusListen: '127.0.0.1:8081',
    },
  },
});

describe('environmentReach (issue 13, H3)', () => {
  const rule: WriteRule<{ target: string; note: string }> = {
    kind: 'Rollout',
    environmentReach: (spec, environment) =>
      spec.target === environment
        ? []
        : [{ path: 'target', environment: spec.target, what: 'a stage', value: spec }],
  };
  const doc = (target: string, note = 'x') => ({ name: 'r', environment: 'staging', spec: { target, note } });

  it('needs write where the spec reaches, unless it reached there unchanged before', () => {
    expect(() => assertMayWrite(['write:staging'], rule, doc('staging'))).not.toThrow();
    expect(() => assertMayWrite(['write:staging'], rule, doc('production'))).toThrow(
      expect.objectContaining({
        code: 'FORBIDDEN',
        fields: [{ path: 'body.spec.target', message: expect.stringContaining('"production"') }],
      }),
    );
    expect(() =>
      assertMayWrite(['write:staging', 'write:production'], rule, doc('production')),
    ).not.toThrow();
    // an admin set it up; a staging writer may store it again as it was, not change what it does there
    expect(() =>
      assertMayWrite(['write:staging'], rule, doc('production'), {
        before: { target: 'production', note: 'x' },
      }),
    ).not.toThrow();
    expect(() =>
      assertMayWrite(['write:staging'], rule, doc('production', 'edited'), {
        before: { target: 'production', note: 'x' },
      }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });
});

describe('writeNeeds', () => {
  const rule: WriteRule<{ url: string; note: string }> = {
    kind: 'Notifier',
    hostReach: (spec) => [{ path: 'url', value: spec.url, why: 'a URL the server calls' }],
  };

  it('asks admin only when a host-reaching field changes', () => {
    const doc = { environment: 'staging', spec: { url: 'http://a', note: 'x' } };
    expect(writeNeeds(rule, doc)).toMatchObject({ scope: 'admin', operatorOnly: [{ path: 'url' }] });
    expect(writeNeeds(rule, doc, { url: 'http://a', note: 'old' })).toEqual({
      scope: 'write',
      environment: 'staging',
      operatorOnly: [],
    });
    expect(writeNeeds(rule, doc, { url: 'http://b', note: 'x' }).scope).toBe('admin');
  });

  it('keeps a kind that needs admin at admin', () => {
    expect(
      writeNeeds({ kind: 'GitSource', writeScope: 'admin' }, { environment: null, spec: {} }).scope,
    ).toBe('admin');
  });

  it('names the Service fields outside the safe set', () => {
    const spec = serviceKind.spec.parse(nginxService('/bin/bash'));
    const needs = writeNeeds(serviceKind, { environment: 'staging', spec });
    expect(needs.operatorOnly.map((r) => r.path).sort()).toEqual([
      'traffic.options.binary',
      'traffic.options.configPath',
      'traffic.options.listen',
      'traffic.options.mainConfig',
      'traffic.options.statusListen',
    ]);
  });
});

describe('C1: an environment-scoped token sets no host-reaching field', () => {
  let t: TestServer;
  let staging: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.request('PUT', '/api/v1/environments/staging', { body: { spec: {} } });
    staging = await t.token(['write:staging'], 'attacker');
  });
  afterAll(() => t?.close());

  it('refuses the nginx binary on the per-kind route and on apply, and writes nothing', async () => {
    const put = await t.request('PUT', '/api/v1/services/api?environment=staging', {
      body: { spec: nginxService('/bin/bash') },
      token: staging,
    });
    expect(put.status).toBe(403);
    expect(put.body.code).toBe('OPERATOR_ONLY');
    expect(put.body.errors.map((e: { path: string }) => e.path)).toContain(
      'body.spec.traffic.options.binary',
    );
    const apply = await t.request('POST', '/api/v1/apply', {
      token: staging,
      body: {
        documents: [
          {
            kind: 'Service',
            metadata: { name: 'api', environment: 'staging' },
            spec: nginxService('/bin/sh'),
          },
        ],
      },
    });
    expect(apply.status).toBe(403);
    expect(apply.body.code).toBe('OPERATOR_ONLY');
    expect((await t.request('GET', '/api/v1/services/api?environment=staging')).status).toBe(404);
  });

  it('lets the token edit what it may in a Service an admin connected, but not the binary', async () => {
    const admin = await t.request('PUT', '/api/v1/services/edge?environment=staging', {
      body: { spec: nginxService('/usr/sbin/nginx') },
    });
    expect(admin.status).toBe(201);
    const edited = await t.request('PUT', '/api/v1/services/edge?environment=staging', {
      body: { spec: { ...nginxService('/usr/sbin/nginx'), description: 'the edge' } },
      token: staging,
    });
    expect(edited.status).toBe(200);
    const swapped = await t.request('PUT', '/api/v1/services/edge?environment=staging', {
      body: { spec: nginxService('/bin/bash') },
      token: staging,
    });
    expect(swapped.body.code).toBe('OPERATOR_ONLY');
    const stored = await t.request('GET', '/api/v1/services/edge?environment=staging');
    expect(stored.body.spec.traffic.options.binary).toBe('/usr/sbin/nginx');
  });
});
