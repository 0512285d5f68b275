/**
 * A real blue-green rollout: the `process` provider starts demo-app versions, the embedded
 * router switches traffic, and the Service's stable version moves — twice, so the second run
 * also retires the version the first delivered. Real clock, real processes, real router.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { retireAll, runningVersions } from '../test-support/demo-processes.js';
import { jsonApi, waitForRunEnd } from '../test-support/http-api.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'service-rollout-admin-token-01';
const deploySpec = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};

const plan = (version: string) => ({
  name: `Backend ${version}`,
  version,
  max_duration_hours: 1,
  stages: [
    {
      name: 'deploy_backend',
      strategy: 'blue_green',
      config: {
        app_name: 'api-service',
        image: `api:${version}`,
        smoke_tests: [
          { endpoint: '/health', expected_status: 200 },
          { endpoint: '/api/v2/status', expected_status: 200 },
        ],
        health_check: { endpoint: '/health', retries: 5, interval_seconds: 1, timeout_seconds: 2 },
        scale_down_delay_seconds: 0,
      },
    },
  ],
});

describe('blue-green rollout of a real service', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bg-'));
  let server: SluiceServer;
  let url: string;
  const api = jsonApi(() => url, ADMIN);
  const waitForEnd = (id: string) => waitForRunEnd(api, id);
  const servedVersion = async () => {
    const res = await fetch(`http://127.0.0.1:${server.router?.status().listen?.port}/api/v2/status`);
    return ((await res.json()) as { version: string }).version;
  };

  beforeAll(async () => {
    server = await createServer(
      configFromEnv(
        {},
        { dataDir, adminToken: ADMIN, port: 0, routerPort: 0, routerAdminPort: 0, embeddedRouter: true },
      ),
    );
    url = await server.listen();
    const service = {
      kind: 'Service',
      metadata: { name: 'api-service' },
      spec: { deploy: deploySpec, traffic: { provider: 'builtin', route: { pathPrefix: '/' } } },
    };
    expect(
      (await api('POST', '/api/v1/apply', { documents: [service, plan('1.0.0'), plan('2.0.0')] })).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    // the processes outlive the control plane by design; this test cleans up after itself
    await retireAll(deploySpec, 'api-service', dataDir);
  });

  it('delivers 1.0.0, then switches to 2.0.0 and retires 1.0.0', async () => {
    const first = await api('POST', '/api/v1/rollouts/backend-1-0-0/start', {});
    expect(first.status).toBe(201);
    const one = await waitForEnd(first.body.id);
    expect(one.status, JSON.stringify(one)).toBe('succeeded');
    expect(await servedVersion()).toBe('1.0.0');
    expect((await api('GET', '/api/v1/services/api-service')).body.spec.stableVersion).toBe('1.0.0');

    const second = await api('POST', '/api/v1/rollouts/backend-2-0-0/start', {});
    const two = await waitForEnd(second.body.id);
    expect(two.status, JSON.stringify(two)).toBe('succeeded');
    expect(await servedVersion()).toBe('2.0.0');
    expect((await api('GET', '/api/v1/services/api-service')).body.spec.stableVersion).toBe('2.0.0');
    expect(await runningVersions(deploySpec, 'api-service', dataDir)).toEqual(['2.0.0']);
    const route = (await api('GET', '/api/v1/routes/api-service')).body;
    expect(route.spec.weights).toEqual({ '2.0.0': 100 });
    // the Service's release list: both runs, newest first, each with the version it delivered
    const releases = (await api('GET', '/api/v1/services/api-service/releases')).body.items;
    expect(releases.map((r: { version: string; status: string }) => [r.version, r.status])).toEqual([
      ['2.0.0', 'succeeded'],
      ['1.0.0', 'succeeded'],
    ]);
    expect(releases[0].runId).toBe(second.body.id);
  });

  it('starts a declared stable version that is not running before splitting traffic to it', async () => {
    const web = {
      kind: 'Service',
      metadata: { name: 'web-frontend' },
      spec: {
        stableVersion: '1.0.0',
        deploy: deploySpec,
        traffic: { provider: 'builtin', route: { host: 'web.localhost', pathPrefix: '/' } },
      },
    };
    const webPlan = {
      ...plan('3.0.0'),
      name: 'Web 3.0.0',
      stages: [
        {
          ...plan('3.0.0').stages[0],
          config: { ...plan('3.0.0').stages[0]?.config, app_name: 'web-frontend', image: 'web:3.0.0' },
        },
      ],
    };
    expect((await api('POST', '/api/v1/apply', { documents: [web, webPlan] })).status).toBe(200);
    const started = await api('POST', '/api/v1/rollouts/web-3-0-0/start', {});
    const run = await waitForEnd(started.body.id);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const version = await new Promise<string>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: server.router?.status().listen?.port,
          path: '/api/v2/status',
          headers: { host: 'web.localhost' },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { version: string }).version));
        },
      );
      req.on('error', reject);
    });
    expect(version).toBe('3.0.0');
    expect(await runningVersions(deploySpec, 'web-frontend', dataDir)).toEqual(['3.0.0']);
    await retireAll(deploySpec, 'web-frontend', dataDir);
  });
});
