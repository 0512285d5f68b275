/** Flags on the control plane, end to end on both databases. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const flagdFile = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  metadata: { team: 'checkout' },
  $evaluators: { beta: { in: [{ var: 'segment' }, ['beta_testers', 'employees']] } },
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      safeVariant: 'off',
      targeting: { if: [{ $ref: 'beta' }, 'on', null] },
    },
    'banner-colour': {
      state: 'ENABLED',
      variants: { red: 'red', blue: 'blue' },
      defaultVariant: 'blue',
      metadata: { team: 'growth' },
    },
  },
};

describe.each(DIALECTS)('flags on %s', (dialect) => {
  let t: TestServer;
  const evaluate = async (flag: string, context: Record<string, unknown>, token?: string) =>
    (
      await t.request('POST', `/api/v1/flags/${flag}/evaluate?environment=production`, {
        body: { context },
        ...(token ? { token } : {}),
      })
    ).body;

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => t?.close());

  it('applies a flagd flags file as is: flags, evaluators as segments, set metadata merged', async () => {
    const res = await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [flagdFile] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => `${r.kind}/${r.name}:${r.action}`).sort()).toEqual([
      'Flag/banner-colour:created',
      'Flag/new-checkout:created',
      'Segment/beta:created',
    ]);
    const banner = await t.request('GET', '/api/v1/flags/banner-colour?environment=production');
    expect(banner.body.spec.metadata).toEqual({ team: 'growth' });
    expect(await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { team: 'checkout' },
    });
    expect(await evaluate('new-checkout', { targetingKey: 'u2', segment: 'public' })).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
  });

  it('refuses invalid flags with the JSON path, and prerequisite cycles with the cycle named', async () => {
    const bad = await t.request('PUT', '/api/v1/flags/broken?environment=production', {
      body: { spec: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'zzz' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ path: 'body.spec.defaultVariant' });
    const a = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };
    expect(
      (await t.request('PUT', '/api/v1/flags/pa?environment=production', { body: { spec: a } })).status,
    ).toBe(201);
    expect(
      (
        await t.request('PUT', '/api/v1/flags/pb?environment=production', {
          body: { spec: { ...a, prerequisites: [{ flag: 'pa', variants: ['on'] }] } },
        })
      ).status,
    ).toBe(201);
    const cycle = await t.request('PUT', '/api/v1/flags/pa?environment=production', {
      body: { spec: { ...a, prerequisites: [{ flag: 'pb', variants: ['on'] }] } },
    });
    expect(cycle.status).toBe(400);
    expect(JSON.stringify(cycle.body.errors)).toMatch(/pa -> pb -> pa|pb -> pa -> pb/);
    const inUse = await t.request('DELETE', '/api/v1/flags/pa?environment=production');
    expect(inUse.status).toBe(409);
    expect((await t.request('DELETE', '/api/v1/segments/beta?environment=production')).status).toBe(409);
  });

  it('kills a flag: safe variant at once, audited, and re-applying the file does not undo it', async () => {
    const kill = await t.request('POST', '/api/v1/flags/new-checkout/kill?environment=production', {
      body: { reason: 'checkout errors' },
    });
    expect(kill.status).toBe(200);
    expect(await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DISABLED',
    });
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [flagdFile] } });
    expect((await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).reason).toBe(
      'DISABLED',
    );
    const audit = await t.request('GET', '/api/v1/audit?action=kill&environment=production');
    expect(audit.body.items[0]).toMatchObject({
      actor: 'admin',
      name: 'new-checkout',
      after: { reason: 'checkout errors' },
    });
    expect(
      (
        await t.request('POST', '/api/v1/flags/new-checkout/kill?environment=production', {
          body: { reason: 'again' },
        })
      ).status,
    ).toBe(409);
    await t.request('POST', '/api/v1/flags/new-checkout/unkill?environment=production', {
      body: { reason: 'fixed' },
    });
    expect((await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).reason).toBe(
      'TARGETING_MATCH',
    );
  });

  it('emergency stop: every flag safe, writes need admin, visible in a header, then cleared', async () => {
    const writer = await t.token(['write:production'], 'oncall');
    const stop = await t.request('POST', '/api/v1/environments/production/emergency-stop', {
      token: writer,
      body: { reason: 'incident 42' },
    });
    expect(stop.status).toBe(200);
    expect((await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).variant).toBe(
      'off',
    );
    // no safe variant: behaves as a flagd DISABLED flag
    expect(await evaluate('banner-colour', {})).toMatchObject({ reason: 'DISABLED' });
    const refused = await t.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
      token: writer,
      body: { spec: { state: 'DISABLED', variants: { red: 'red' }, defaultVariant: 'red' } },
    });
    expect(refused.status).toBe(403);
    const list = await t.request('GET', '/api/v1/flags?environment=production');
    expect(list.headers['sluice-emergency']).toMatch(/active; environment=production/);
    expect((await t.request('GET', '/api/v1/emergency')).body.items).toMatchObject([
      { environment: 'production', reason: 'incident 42', startedBy: 'oncall' },
    ]);
    expect(
      (await t.request('POST', '/api/v1/environments/production/emergency-clear', { token: writer })).status,
    ).toBe(403);
    expect((await t.request('POST', '/api/v1/environments/production/emergency-clear')).status).toBe(200);
    expect((await evaluate('new-checkout', { targetingKey: 'u1', segment: 'employees' })).reason).toBe(
      'TARGETING_MATCH',
    );
    const actions = (await t.request('GET', '/api/v1/audit?kind=Environment&name=production')).body.items.map(
      (e: any) => e.action,
    );
    expect(actions.slice(0, 2)).toEqual(['emergency-clear', 'emergency-stop']);
  });

  it('keeps environments apart', async () => {
    const res = await t.request('POST', '/api/v1/flags/new-checkout/evaluate?environment=development', {
      body: { context: {} },
    });
    expect(res.body).toMatchObject({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });
});

describe('a large flag set', () => {
  it('applies a flagd file of 10,000 flags in one transaction and evaluates from it', async () => {
    const t = await startTestServer('sqlite');
    try {
      const flags: Record<string, unknown> = {};
      for (let i = 0; i < 10_000; i++) {
        flags[`flag-${i}`] = {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: {
            fractional: [
              ['on', i % 100],
              ['off', 100 - (i % 100)],
            ],
          },
        };
      }
      const res = await t.request('POST', '/api/v1/apply', { body: { documents: [{ flags }] } });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(10_000);
      const one = await t.request('POST', '/api/v1/flags/flag-9999/evaluate', {
        body: { context: { targetingKey: 'u' } },
      });
      expect(one.body).toMatchObject({ reason: 'TARGETING_MATCH' });
      // one broken flag in a large flagd file loads as flagd loads it: a warning, PARSE_ERROR for it
      flags['flag-5000'] = {
        state: 'ENABLED',
        variants: { on: true },
        defaultVariant: 'on',
        targeting: { $ref: 'nowhere' },
      };
      const warned = await t.request('POST', '/api/v1/apply', { body: { documents: [{ flags }] } });
      expect(warned.status).toBe(200);
      expect(warned.body.results.filter((r: { warnings?: string[] }) => r.warnings)).toEqual([
        expect.objectContaining({
          name: 'flag-5000',
          warnings: ['spec.targeting.$ref: $ref "nowhere" does not name a shared evaluator'],
        }),
      ]);
      // ?strict=true refuses it, naming the flag's place in the file
      const bad = await t.request('POST', '/api/v1/apply?strict=true', { body: { documents: [{ flags }] } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toMatch(/^documents\[0\]\[5000\]\.spec\.targeting/);
    } finally {
      await t.close();
    }
  }, 180_000);
});
