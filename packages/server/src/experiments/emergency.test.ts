/**
 * Emergency mode freezes experiments as it freezes flags: in that environment a non-admin token
 * cannot start, stop, conclude, apply or delete one (the emergency's 403, nothing written),
 * other environments are untouched, and after the clear the same writes go through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const spec = {
  traffic_split: { control: 50, variant_a: 50 },
  metrics: { primary: 'conversion_rate' },
  duration_days: 7,
  min_sample_size: 100,
};

describe.each(DIALECTS)('experiments in emergency mode on %s', (dialect) => {
  let t: TestServer;
  let writer: string;
  beforeAll(async () => {
    t = await startTestServer(dialect);
    writer = await t.token(['write'], 'oncall');
    for (const env of ['production', 'development']) {
      for (const [key, status] of [
        ['frozen-draft', 'draft'],
        ['frozen-active', 'active'],
      ])
        expect(
          (
            await t.request('PUT', `/api/v1/experiments/${key}?environment=${env}`, {
              body: { spec: { ...spec, status } },
              token: writer,
            })
          ).status,
        ).toBe(201);
    }
    const stop = await t.request('POST', '/api/v1/environments/production/emergency-stop', {
      body: { reason: 'incident 7' },
    });
    expect(stop.status).toBe(200);
  });
  afterAll(() => t?.close());

  const status = async (key: string, env = 'production') =>
    (await t.request('GET', `/api/v1/experiments/${key}?environment=${env}`)).body.spec.status;

  it('refuses every experiment write of a non-admin token there, naming the emergency, and changes nothing', async () => {
    const attempts = [
      ['POST', '/api/v1/experiments/frozen-draft/start?environment=production', {}],
      ['POST', '/api/v1/experiments/frozen-active/stop?environment=production', {}],
      ['POST', '/api/v1/experiments/frozen-active/conclude?environment=production', { arm: 'variant_a' }],
      [
        'PUT',
        '/api/v1/experiments/frozen-draft?environment=production',
        { spec: { ...spec, duration_days: 14 } },
      ],
      [
        'POST',
        '/api/v1/apply?environment=production',
        { documents: [{ 'new-one': { ...spec, status: 'draft' } }] },
      ],
      ['DELETE', '/api/v1/experiments/frozen-draft?environment=production', undefined],
    ] as const;
    for (const [method, url, body] of attempts) {
      const res = await t.request(method, url, { token: writer, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.text, `${method} ${url}`).toMatch(
        /emergency mode \(incident 7\); only admin tokens change experiments/,
      );
    }
    expect(await status('frozen-draft')).toBe('draft');
    expect(await status('frozen-active')).toBe('active');
    expect((await t.request('GET', '/api/v1/experiments/new-one?environment=production')).status).toBe(404);
    const draft = (await t.request('GET', '/api/v1/experiments/frozen-draft?environment=production')).body;
    expect(draft.spec.duration_days).toBe(7);
  });

  it('leaves other environments alone, lets an admin act, and lets everyone again after the clear', async () => {
    const elsewhere = await t.request(
      'POST',
      '/api/v1/experiments/frozen-draft/start?environment=development',
      {
        token: writer,
      },
    );
    expect(elsewhere.status).toBe(200);
    expect(await status('frozen-draft', 'development')).toBe('active');
    // an admin (and a rollout's own steps, which act as admin) may still stop one
    const admin = await t.request('POST', '/api/v1/experiments/frozen-active/stop?environment=production');
    expect(admin.status).toBe(200);
    expect(await status('frozen-active')).toBe('stopped');
    expect((await t.request('POST', '/api/v1/environments/production/emergency-clear')).status).toBe(200);
    const after = await t.request('POST', '/api/v1/experiments/frozen-draft/start?environment=production', {
      token: writer,
    });
    expect(after.status).toBe(200);
    expect(await status('frozen-draft')).toBe('active');
  });
});
