/** The seed's flag API on both databases: compatibility, storage as Flag resources, access. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { evaluateFlag } from './test-support/reference-evaluation.js';

const config = {
  enabled: true,
  percentage: 30,
  environments: ['production', 'development'],
  userWhitelist: ['vip-1', 'vip-2'],
  public: { colour: 'blue', layout: { columns: 3 } },
};

describe.each(DIALECTS)('feature API on %s', (dialect) => {
  let t: TestServer;
  let writer: string;
  let sdk: string;
  const get = (flag: string, query: string, token: string | null = sdk) =>
    t.request('GET', `/api/features/${flag}?${query}`, { token });
  const post = (flag: string, body: unknown, token: string | null = writer, query = '') =>
    t.request('POST', `/api/features/${flag}${query}`, { body, token });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    writer = await t.token(['write'], 'release-bot');
    sdk = await t.token(['sdk:production'], 'web-app');
  });
  afterAll(async () => t?.close());

  it('stores a seed flag as one versioned, audited Flag resource per listed environment', async () => {
    const res = await post('new-product-design', config);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, flagName: 'new-product-design' });
    for (const env of ['production', 'development']) {
      const flag = await t.request('GET', `/api/v1/flags/new-product-design?environment=${env}`);
      expect(flag.status).toBe(200);
      expect(flag.body.metadata.version).toBe(1);
      expect(flag.body.spec).toMatchObject({ state: 'ENABLED', variants: { on: true, off: false } });
      expect(JSON.stringify(flag.body.spec.targeting)).toContain('percentage_rollout');
    }
    const audit = await t.request('GET', '/api/v1/audit?kind=Flag&name=new-product-design');
    expect(audit.body.items.map((e: any) => `${e.actor}:${e.environment}`).sort()).toEqual([
      'release-bot:development',
      'release-bot:production',
    ]);
    const again = await post('new-product-design', config);
    expect(again.body.environments.map((e: any) => e.action)).toEqual(['unchanged', 'unchanged']);
  });

  it("answers the seed's response shape, with the public config", async () => {
    const res = await get('new-product-design', 'userId=vip-1&environment=production');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      enabled: true,
      flagName: 'new-product-design',
      userId: 'vip-1',
      environment: 'production',
      config: { colour: 'blue', layout: { columns: 3 } },
    });
  });

  it("keeps the seed's bucketing: every user gets what the seed gave them", async () => {
    let enabled = 0;
    for (let i = 0; i < 200; i++) {
      const userId = i % 50 === 0 ? `vip-${(i / 50) % 2 ? 1 : 2}` : `user-${i * 7919}`;
      const res = await get('new-product-design', `userId=${userId}&environment=production`);
      const expected = evaluateFlag(config, { userId, environment: 'production' });
      expect(res.body.enabled, userId).toBe(expected);
      if (expected) enabled++;
    }
    // both outcomes occur, so the comparison can fail
    expect(enabled).toBeGreaterThan(20);
    expect(enabled).toBeLessThan(180);
    // no user id: the seed hashes "anonymous"
    expect((await get('new-product-design', 'environment=production')).body.enabled).toBe(
      evaluateFlag(config, { environment: 'production' }),
    );
  });

  it('follows the seed for enabled without percentage, and percentage 0', async () => {
    const cases = [
      { enabled: true },
      { enabled: true, percentage: 0 },
      {},
      { percentage: 0 },
      { userWhitelist: ['vip-1'] },
      { percentage: 100 },
    ];
    for (const [i, c] of cases.entries()) {
      await post(`case-${i}`, c, writer, '?environment=production');
      for (const userId of ['vip-1', 'someone']) {
        const res = await get(`case-${i}`, `userId=${userId}&environment=production`);
        expect(res.body.enabled, `${JSON.stringify(c)} ${userId}`).toBe(evaluateFlag(c, { userId }));
      }
    }
  });

  it('departs from the seed on purpose: enabled false always wins', async () => {
    const off = { enabled: false, percentage: 100, userWhitelist: ['vip-1'] };
    await post('killed-feature', off, writer, '?environment=production');
    for (const userId of ['vip-1', 'someone']) {
      expect(evaluateFlag(off, { userId })).toBe(true);
      expect((await get('killed-feature', `userId=${userId}&environment=production`)).body.enabled).toBe(
        false,
      );
    }
  });

  it("answers the seed's 404 for an unknown flag", async () => {
    const res = await get('no-such-flag', 'userId=u1&environment=production');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ enabled: false, reason: 'Flag not found' });
    expect((await get('bad name!', 'environment=production')).status).toBe(404);
  });

  it('evaluates without a token only where the environment allows public evaluation', async () => {
    const anonymous = await get('new-product-design', 'userId=vip-1&environment=production', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatch(/publicEvaluation/);
    const opened = await t.request('PUT', '/api/v1/environments/production', {
      body: { spec: { description: 'live', settings: { publicEvaluation: true } } },
    });
    expect(opened.status).toBe(200);
    const allowed = await get('new-product-design', 'userId=vip-1&environment=production', null);
    expect(allowed.status).toBe(200);
    expect(allowed.body.enabled).toBe(true);
    expect((await get('new-product-design', 'userId=vip-1&environment=development', null)).status).toBe(401);
    await t.request('PUT', '/api/v1/environments/production', {
      body: { spec: { description: 'live', settings: { publicEvaluation: false } } },
    });
    expect((await get('new-product-design', 'userId=vip-1&environment=production', null)).status).toBe(401);
  });

  it('refuses tokens that may not read the environment, and unknown tokens', async () => {
    const res = await get('new-product-design', 'environment=development', sdk);
    expect(res.status).toBe(403);
    expect(res.body.error).toBeTruthy();
    expect(
      (await get('new-product-design', 'environment=production', 'slc_000000000000_unknown')).status,
    ).toBe(401);
  });

  it('writes need a write token for every listed environment; refusals write nothing', async () => {
    expect((await post('other-flag', config, null)).status).toBe(401);
    const limited = await t.token(['write:development'], 'dev-bot');
    const refused = await post('other-flag', config, limited);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/production/);
    expect((await t.request('GET', '/api/v1/flags/other-flag?environment=development')).status).toBe(404);
    const reader = await t.token(['read']);
    expect((await post('other-flag', config, reader)).status).toBe(403);
    const ok = await post('other-flag', { ...config, environments: ['development'] }, limited);
    expect(ok.status).toBe(200);
  });

  it('refuses bad input with the JSON path of each field, in the seed error shape', async () => {
    const res = await post('bad-input', { enabled: 'yes', percentage: 150, environments: ['Not An Env'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBeTruthy();
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual([
      'body.enabled',
      'body.environments[0]',
      'body.percentage',
    ]);
    const unknownEnv = await post('bad-input', { enabled: true, environments: ['staging'] });
    expect(unknownEnv.status).toBe(400);
    expect(unknownEnv.body.error).toMatch(/staging/);
    expect((await post('bad name!', { enabled: true })).body.errors[0].path).toBe('params.flagName');
    const malformed = await t.request('POST', '/api/features/x', {
      rawBody: '{"enabled": tr',
      token: writer,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBeTruthy();
    expect((await t.request('GET', '/api/v1/flags/bad-input?environment=development')).status).toBe(404);
  });

  it('is an ordinary flag: OFREP evaluates it, a kill switches it off, emergency shows in a header', async () => {
    const ofrep = await t.request('POST', '/ofrep/v1/evaluate/flags/new-product-design', {
      body: { context: { targetingKey: 'vip-2' } },
      token: sdk,
    });
    expect(ofrep.body).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    await t.request('POST', '/api/v1/flags/new-product-design/kill?environment=production', {
      body: { reason: 'bad design' },
    });
    expect((await get('new-product-design', 'userId=vip-2&environment=production')).body.enabled).toBe(false);
    await t.request('POST', '/api/v1/environments/development/emergency-stop', { body: { reason: 'drill' } });
    const dev = await t.token(['sdk:development']);
    const res = await get('new-product-design', 'userId=vip-2&environment=development', dev);
    expect(res.headers['sluice-emergency']).toMatch(/environment=development/);
    expect(res.body.enabled).toBe(false);
    await t.request('POST', '/api/v1/environments/development/emergency-clear');
  });
});
