/**
 * The seed's browser client (phase4-advanced-deployment.md §3.2, copied unchanged into
 * test-support/feature-flag-client.js) reading flags from a listening Sluice. It needs only
 * `fetch`, `Date` and `console`, which Node provides: no browser globals to stand in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { FeatureFlagClient } from './test-support/feature-flag-client.js';

describe("the seed's FeatureFlagClient against Sluice", () => {
  let t: TestServer;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.request('PUT', '/api/v1/environments/production', {
      body: { spec: { settings: { publicEvaluation: true } } },
    });
    const post = (flag: string, body: unknown) => t.request('POST', `/api/features/${flag}`, { body });
    expect(
      (
        await post('new-product-design', {
          enabled: true,
          environments: ['production'],
          public: { theme: 'dark' },
        })
      ).status,
    ).toBe(200);
    await post('ai-recommendations', { enabled: true, percentage: 100, environments: ['production'] });
    await post('dev-only', { enabled: true, environments: ['development'] });
    baseUrl = await t.server.listen();
  });
  afterAll(async () => t?.close());

  it('reads flags and configs without a token where the environment allows it', async () => {
    const client = new FeatureFlagClient(baseUrl, 'user-42', 'production');
    expect(await client.isEnabled('new-product-design')).toBe(true);
    expect(await client.isEnabled('ai-recommendations')).toBe(true);
    expect(await client.getConfig('new-product-design')).toEqual({
      enabled: true,
      flagName: 'new-product-design',
      userId: 'user-42',
      environment: 'production',
      config: { theme: 'dark' },
    });
  });

  it('fails closed: unknown flags and closed environments read as disabled', async () => {
    const client = new FeatureFlagClient(baseUrl, 'user-42', 'production');
    expect(await client.isEnabled('no-such-flag')).toBe(false);
    await expect(client.getConfig('no-such-flag')).rejects.toThrow('Feature flag not found');
    // development does not allow evaluation without a token: 401, read as disabled
    const dev = new FeatureFlagClient(baseUrl, 'user-42', 'development');
    expect(await dev.isEnabled('dev-only')).toBe(false);
    await expect(dev.getConfig('dev-only')).rejects.toThrow('Feature flag not found');
  });

  it('sees a kill once its cache expires (the cache is the seed client’s own)', async () => {
    const client = new FeatureFlagClient(baseUrl, 'user-42', 'production');
    client.cacheTTL = 0;
    expect(await client.isEnabled('new-product-design')).toBe(true);
    await t.request('POST', '/api/v1/flags/new-product-design/kill?environment=production', {
      body: { reason: 'rollback' },
    });
    expect(await client.isEnabled('new-product-design')).toBe(false);
  });
});
