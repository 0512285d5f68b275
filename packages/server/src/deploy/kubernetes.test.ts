import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretResolver } from '../secrets/index.js';
import { createKubernetesProvider, type KubernetesDeploySpec } from './kubernetes.js';
import { type DeployContractFixture, describeDeployProviderContract, expectCode } from './provider.case.js';
import { type FakeKubeApps, startFakeKubeApps } from './test-support/fake-kube-apps.js';

// No cluster runs here: these tests drive a fake Kubernetes API server (test-support/fake-kube-apps.ts).
const fastHealth = { endpoint: '/health', retries: 5, interval_seconds: 0.05, timeout_seconds: 2 };
const NAMES = [
  'api-service-1.0.0',
  'api-service-2.0.0',
  'api-service-stuck',
  'api-service-broken',
  'other-1.0.0',
];

function provider(kube: FakeKubeApps, spec: Partial<KubernetesDeploySpec> = {}) {
  return createKubernetesProvider(
    {
      provider: 'kubernetes',
      connection: { server: kube.url, token: { secretRef: 'KUBE_TOKEN' } },
      namespace: kube.namespace,
      replicas: 3,
      ...spec,
    },
    {
      service: 'api-service',
      secrets: new SecretResolver({ KUBE_TOKEN: kube.token }, tmpdir()),
      healthCheck: fastHealth,
    },
  );
}

describeDeployProviderContract('kubernetes (fake API server)', async (): Promise<DeployContractFixture> => {
  const kube = await startFakeKubeApps('production', NAMES);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await kube.close();
  };
  return {
    provider: provider(kube),
    versions: ['1.0.0', '2.0.0'],
    reachable: false,
    imageOf: (v) => `api:${v}`,
    retireStops: true,
    stuckVersion: 'stuck',
    breakProvider: close,
    close,
  };
});

describe('kubernetes provider', () => {
  let kube: FakeKubeApps;
  beforeEach(async () => {
    kube = await startFakeKubeApps('production', NAMES);
  });
  afterEach(() => kube.close());

  it('scales the version Deployment up and down through the scale subresource', async () => {
    const p = provider(kube);
    const d = await p.deploy({ opId: 'op', version: '2.0.0', image: 'api:2.0.0' });
    expect(d).toMatchObject({
      state: 'starting',
      upstreams: ['http://api-service-2.0.0.production.svc:80'],
      info: { deployment: 'api-service-2.0.0', replicas: 3 },
    });
    expect(kube.deployments.get('api-service-2.0.0')?.spec.replicas).toBe(3);
    expect((await p.waitReady('2.0.0')).info.readyReplicas).toBe(3);
    expect(kube.requests).toContain(
      'PUT /apis/apps/v1/namespaces/production/deployments/api-service-2.0.0/scale',
    );

    const puts = kube.requests.filter((r) => r.startsWith('PUT')).length;
    await p.deploy({ opId: 'op', version: '2.0.0' });
    expect(kube.requests.filter((r) => r.startsWith('PUT')).length).toBe(puts); // already at 3: no write

    expect((await p.retire({ opId: 'op2', version: '2.0.0' }))?.state).toBe('retired');
    expect(kube.deployments.get('api-service-2.0.0')?.spec.replicas).toBe(0);
    await p.close();
  });

  it('retries a scale write that lost a race (409)', async () => {
    const p = provider(kube);
    kube.conflictNextPuts(2);
    await p.deploy({ opId: 'op', version: '1.0.0' });
    expect(kube.deployments.get('api-service-1.0.0')?.spec.replicas).toBe(3);
    kube.conflictNextPuts(5);
    await expectCode(p.retire({ opId: 'op2', version: '1.0.0' }), 'DEPLOY_FAILED');
    await p.close();
  });

  it('fails a version whose Deployment is missing, runs another image, or stops progressing', async () => {
    const p = provider(kube);
    const missing = await p.deploy({ opId: 'op', version: '9.0.0' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'DEPLOY_FAILED' });
    expect((missing as Error).message).toContain('production/api-service-9.0.0 does not exist');
    await expectCode(p.deploy({ opId: 'op', version: '1.0.0', image: 'api:1.0.1' }), 'DEPLOY_FAILED');
    expect(kube.deployments.get('api-service-1.0.0')?.spec.replicas).toBe(0);
    await p.deploy({ opId: 'op3', version: 'broken' }).catch(() => undefined);
    const err = await p.waitReady('broken').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPLOY_FAILED' });
    expect((err as Error).message).toContain('ProgressDeadlineExceeded');
    await p.close();
  });

  it('reads the token secret on every call, so a rotated token applies at once', async () => {
    const env: Record<string, string> = { KUBE_TOKEN: 'stale-token' };
    const p = createKubernetesProvider(
      {
        provider: 'kubernetes',
        connection: { server: kube.url, token: { secretRef: 'KUBE_TOKEN' } },
        namespace: kube.namespace,
      },
      { service: 'api-service', secrets: new SecretResolver(env, tmpdir()) },
    );
    await expectCode(p.status('1.0.0'), 'DEPLOY_FAILED');
    env.KUBE_TOKEN = kube.token;
    expect((await p.status('1.0.0'))?.state).toBe('retired');
    delete env.KUBE_TOKEN;
    await expectCode(p.status('1.0.0'), 'SECRET_NOT_FOUND');
    await p.close();
  });

  it('lists only this service’s scaled-up versions', async () => {
    const p = provider(kube);
    await p.deploy({ opId: 'a', version: '1.0.0' });
    (kube.deployments.get('other-1.0.0') as { spec: { replicas: number } }).spec.replicas = 2;
    expect((await p.list()).map((d) => d.version)).toEqual(['1.0.0']);
    await p.close();
  });

  it('is refused with a wrong token as DEPLOY_FAILED, and names a bad spec field', async () => {
    const p = createKubernetesProvider(
      { provider: 'kubernetes', connection: { server: kube.url }, namespace: 'production' },
      { service: 'api-service' },
    );
    await expectCode(p.status('1.0.0'), 'DEPLOY_FAILED');
    await p.close();
    expect(() =>
      createKubernetesProvider(
        { provider: 'kubernetes', namespace: 'Prod', connection: { server: kube.url } },
        { service: 's' },
      ),
    ).toThrowError(/deploy\.namespace/);
    expect(() =>
      createKubernetesProvider({ provider: 'kubernetes', namespace: 'p' }, { service: 's' }),
    ).toThrowError(expect.objectContaining({ code: 'DEPLOY_PROVIDER_UNAVAILABLE' }));
  });
});
