import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeployContractFixture, describeDeployProviderContract, expectCode } from './provider.case.js';
import { createStaticProvider } from './static.js';
import { startVersionServers, type VersionServers } from './test-support/version-servers.js';

const fastHealth = { endpoint: '/health', retries: 5, interval_seconds: 0.05, timeout_seconds: 2 };

describeDeployProviderContract('static', async (): Promise<DeployContractFixture> => {
  const servers = await startVersionServers(['1.0.0', '2.0.0']);
  const provider = createStaticProvider(
    {
      provider: 'static',
      upstreams: { '1.0.0': [servers.urls['1.0.0'] as string], '2.0.0': [servers.urls['2.0.0'] as string] },
    },
    { healthCheck: fastHealth },
  );
  return {
    provider,
    versions: ['1.0.0', '2.0.0'],
    reachable: true,
    retireStops: false,
    close: () => servers.close(),
  };
});

describe('static provider', () => {
  let servers: VersionServers;
  beforeEach(async () => {
    servers = await startVersionServers(['1.0.0', '1.0.0-b']);
  });
  afterEach(() => servers.close());

  it('refuses a version it has no upstreams for', async () => {
    const p = createStaticProvider({
      provider: 'static',
      upstreams: { '1.0.0': [servers.urls['1.0.0'] as string] },
    });
    await expectCode(p.deploy({ opId: 'op', version: '9.9.9' }), 'DEPLOY_VERSION_UNKNOWN', 'request.version');
    expect(await p.status('9.9.9')).toBeNull();
  });

  it('is ready only when every upstream of the version answers its health check', async () => {
    const urls = [servers.urls['1.0.0'] as string, servers.urls['1.0.0-b'] as string];
    const p = createStaticProvider(
      { provider: 'static', upstreams: { '1.0.0': urls } },
      { healthCheck: fastHealth },
    );
    expect((await p.deploy({ opId: 'op', version: '1.0.0' })).state).toBe('ready');
    await servers.stop('1.0.0-b');
    const d = await p.status('1.0.0');
    expect(d).toMatchObject({ state: 'unhealthy', upstreams: urls });
    // Retiring does not stop what Sluice did not start.
    expect((await p.retire({ opId: 'op2', version: '1.0.0' }))?.state).toBe('unhealthy');
  });

  it('finds unlisted versions through the template, and times out on one that does not answer', async () => {
    const p = createStaticProvider(
      { provider: 'static', upstreams: {}, template: 'http://127.0.0.1:1/{version}' },
      { healthCheck: fastHealth },
    );
    const d = await p.deploy({ opId: 'op', version: '3.0.0' });
    expect(d).toMatchObject({ state: 'unhealthy', upstreams: ['http://127.0.0.1:1/3.0.0'] });
    await expectCode(p.waitReady('3.0.0', { timeoutMs: 300 }), 'DEPLOY_TIMEOUT');
    expect(await p.list()).toEqual([]);
  });

  it('validates its spec, naming the field', () => {
    expect(() => createStaticProvider({ provider: 'static' })).toThrowError(
      /deploy\.upstreams: list upstreams/,
    );
    expect(() => createStaticProvider({ provider: 'static', template: 'http://x/{v}' })).toThrowError(
      /deploy\.template: must contain \{version\}/,
    );
    expect(() =>
      createStaticProvider({ provider: 'static', upstreams: { '1.0.0': ['ftp://x'] } }),
    ).toThrowError(/deploy\.upstreams\.1\.0\.0\[0\]/);
  });
});
