import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretResolver } from '../secrets/index.js';
import { type DeployContractFixture, describeDeployProviderContract, expectCode } from './provider.case.js';
import { signBody, verifySignature } from './signature.js';
import { type FakeDeploySystem, startFakeDeploySystem } from './test-support/fake-deploy-system.js';
import { createWebhookProvider } from './webhook.js';

const fastHealth = { endpoint: '/health', retries: 5, interval_seconds: 0.05, timeout_seconds: 2 };

async function setup(system: FakeDeploySystem, signing = system.secret) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-webhook-'));
  const secrets = new SecretResolver({ DEPLOY_HOOK_URL: system.deployUrl, DEPLOY_HOOK_SECRET: signing }, dir);
  return createWebhookProvider(
    {
      provider: 'webhook',
      url: { secretRef: 'DEPLOY_HOOK_URL' },
      signingSecret: { secretRef: 'DEPLOY_HOOK_SECRET' },
      statusUrl: system.statusUrl,
      listUrl: system.listUrl,
      requestTimeoutSeconds: 2,
    },
    { service: 'api-service', environment: 'production', secrets, healthCheck: fastHealth },
  );
}

describeDeployProviderContract('webhook (fake deploy system)', async (): Promise<DeployContractFixture> => {
  const system = await startFakeDeploySystem();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await system.close();
  };
  return {
    provider: await setup(system),
    versions: ['1.0.0', '2.0.0'],
    reachable: true,
    retireStops: true,
    stuckVersion: 'stuck',
    breakProvider: close,
    close,
  };
});

describe('webhook provider', () => {
  let system: FakeDeploySystem;
  beforeEach(async () => {
    system = await startFakeDeploySystem();
  });
  afterEach(() => system.close());

  it('signs every request and sends the operation id as the idempotency key', async () => {
    const p = await setup(system);
    await p.deploy({ opId: 'run/1/deploy', version: '2.0.0', image: 'api:2.0.0', env: { A: '1' } });
    await p.deploy({ opId: 'run/1/deploy', version: '2.0.0', image: 'api:2.0.0' });
    const posts = system.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts.every((r) => r.signed && r.key === 'run/1/deploy')).toBe(true);
    expect(posts[0]?.body).toEqual({
      action: 'deploy',
      opId: 'run/1/deploy',
      version: '2.0.0',
      image: 'api:2.0.0',
      env: { A: '1' },
      service: 'api-service',
      environment: 'production',
    });
    expect(system.requests.every((r) => r.signed)).toBe(true);
    expect(system.starts).toEqual(['2.0.0']);
  });

  it('reports a version the deploy system failed as DEPLOY_FAILED with its reason', async () => {
    const p = await setup(system);
    const err = await p.deploy({ opId: 'op', version: 'broken' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPLOY_FAILED' });
    expect((err as Error).message).toContain('manifest unknown');
  });

  it('maps a refused signature to DEPLOY_FAILED and a reused operation id to DEPLOY_OPERATION_CONFLICT', async () => {
    const wrong = await setup(system, 'not-the-secret');
    await expectCode(wrong.deploy({ opId: 'op', version: '1.0.0' }), 'DEPLOY_FAILED');
    const p = await setup(system);
    await p.deploy({ opId: 'op/1', version: '1.0.0' });
    await expectCode(p.deploy({ opId: 'op/1', version: '3.0.0' }), 'DEPLOY_OPERATION_CONFLICT');
  });

  it('needs its secrets to be set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-webhook-'));
    const p = createWebhookProvider(
      {
        provider: 'webhook',
        url: { secretRef: 'UNSET_DEPLOY_URL' },
        signingSecret: { secretRef: 'UNSET_DEPLOY_SECRET' },
        statusUrl: system.statusUrl,
        listUrl: system.listUrl,
      },
      { service: 'api-service', secrets: new SecretResolver({}, dir) },
    );
    await expectCode(p.deploy({ opId: 'op', version: '1.0.0' }), 'SECRET_NOT_FOUND');
  });

  it('validates its spec, naming the field', () => {
    const secrets = new SecretResolver({}, tmpdir());
    expect(() =>
      createWebhookProvider(
        {
          provider: 'webhook',
          url: { secretRef: 'lower' },
          signingSecret: { secretRef: 'S' },
          statusUrl: 'http://x/status',
          listUrl: 'http://x/list',
        },
        { service: 's', secrets },
      ),
    ).toThrowError(/deploy\.url\.secretRef.*deploy\.statusUrl: must contain \{version\}/s);
  });
});

describe('signatures', () => {
  it('verify only with the right secret, body and a fresh timestamp', () => {
    const sig = signBody('k', 1000, '{"a":1}');
    const ok = { secret: 'k', body: '{"a":1}', timestamp: '1000', signature: sig, nowSeconds: 1010 };
    expect(verifySignature(ok)).toBe(true);
    expect(verifySignature({ ...ok, secret: 'other' })).toBe(false);
    expect(verifySignature({ ...ok, body: '{"a":2}' })).toBe(false);
    expect(verifySignature({ ...ok, nowSeconds: 2000 })).toBe(false);
    expect(verifySignature({ ...ok, timestamp: '999' })).toBe(false);
    expect(verifySignature({ ...ok, signature: undefined })).toBe(false);
  });
});
