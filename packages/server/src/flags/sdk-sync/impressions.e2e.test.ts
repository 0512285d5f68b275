/**
 * SDK impressions on both databases: counts join the evaluation insight (usage and stale flags),
 * unknown flags and variants are ignored and counted, bad batches are refused naming the field
 * with nothing recorded, who may report for which environment, and the per-token quota.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const DAY = 86_400_000;
const URL = '/api/v1/sdk/impressions';

describe.each(DIALECTS)('SDK impressions on %s', (dialect) => {
  let t: TestServer;
  let sdk: string;
  let clock = Date.parse('2026-05-01T10:00:00.000Z');
  const batch = (items: unknown[]) => ({ from: clock - 10_000, to: new Date(clock).toISOString(), items });
  const usage = async (environment = 'production') => {
    const res = await t.request('GET', `/api/v1/flag-evaluations?environment=${environment}&days=30`);
    expect(res.status).toBe(200);
    return Object.fromEntries(
      (res.body.items as { flag: string; variants: Record<string, number> }[]).map((u) => [
        u.flag,
        u.variants,
      ]),
    );
  };

  beforeAll(async () => {
    t = await startTestServer(dialect, {
      now: () => new Date(clock),
      config: { quotas: { eventsPerSecond: 50 } },
    });
    for (const name of ['checkout', 'idle']) {
      const res = await t.request('PUT', `/api/v1/flags/${name}?environment=production`, {
        body: { spec: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
      });
      expect(res.status).toBe(201);
    }
    sdk = await t.token(['sdk:production'], 'node-app');
  });
  afterAll(async () => t?.close());

  it('adds counts to the evaluation counts; unknown flags, variants and variant-less items are ignored', async () => {
    const res = await t.request('POST', URL, {
      token: sdk,
      body: batch([
        { flag: 'checkout', variant: 'on', reason: 'TARGETING_MATCH', count: 5 },
        { flag: 'checkout', variant: 'off', reason: 'DEFAULT', count: 7 },
        { flag: 'no-such-flag', variant: 'on', count: 3 },
        { flag: 'checkout', variant: 'sideways', count: 2 },
        { flag: 'checkout', reason: 'ERROR', count: 4 },
      ]),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ environment: 'production', accepted: 2, ignored: 3 });
    // the server's own evaluations land in the same counters
    await t.request('POST', '/api/v1/flags/checkout/evaluate?environment=production', {
      body: { context: {} },
    });
    const counts = await usage();
    expect(counts.checkout).toEqual({ on: 5, off: 8 });
    expect(counts['no-such-flag']).toBeUndefined();
  });

  it('refuses a bad batch naming the field, and records nothing of it', async () => {
    const before = await usage();
    const cases: [unknown, string][] = [
      [
        batch([
          { flag: 'checkout', variant: 'on', count: 1 },
          { flag: 'checkout', variant: 'on', count: 0 },
        ]),
        'body.items[1].count',
      ],
      [batch([{ flag: 'checkout', variant: 'on', count: 1.5 }]), 'body.items[0].count'],
      // one item reports at most ten million: a token cannot push the counters past float precision
      [batch([{ flag: 'checkout', variant: 'on', count: 10_000_001 }]), 'body.items[0].count'],
      [batch([{ flag: 'bad key!', variant: 'on', count: 1 }]), 'body.items[0].flag'],
      [batch([{ flag: 'checkout', variant: 'on', count: 1, user: 'u1' }]), 'body.items[0].user'],
      [
        batch(Array.from({ length: 1001 }, () => ({ flag: 'checkout', variant: 'on', count: 1 }))),
        'body.items',
      ],
      [{ ...batch([{ flag: 'checkout', variant: 'on', count: 1 }]), from: 'yesterday' }, 'body.from'],
      [{ ...batch([{ flag: 'checkout', variant: 'on', count: 1 }]), to: clock - 20_000 }, 'body.to'],
      [{ from: clock, items: [] }, 'body.to'],
    ];
    for (const [body, field] of cases) {
      const res = await t.request('POST', URL, { body });
      expect(res.status, field).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await usage()).toEqual(before);
  });

  it('takes an sdk token only for its own environment; other tokens name theirs', async () => {
    const development = await t.token(['sdk:development'], 'dev-app');
    const item = [{ flag: 'checkout', variant: 'on', count: 1 }];
    expect(
      (await t.request('POST', `${URL}?environment=production`, { token: development, body: batch(item) }))
        .status,
    ).toBe(403);
    expect((await t.request('POST', URL, { token: null, body: batch(item) })).status).toBe(401);
    // its own environment, where `checkout` does not exist: ignored, not an error
    const own = await t.request('POST', URL, { token: development, body: batch(item) });
    expect(own.body).toEqual({ environment: 'development', accepted: 0, ignored: 1 });
    const reader = await t.token(['read:production'], 'reader');
    expect(
      (await t.request('POST', `${URL}?environment=staging`, { token: reader, body: batch(item) })).status,
    ).toBe(403);
    const before = (await usage()).checkout?.on ?? 0;
    const named = await t.request('POST', `${URL}?environment=production`, {
      token: reader,
      body: batch(item),
    });
    expect(named.body).toEqual({ environment: 'production', accepted: 1, ignored: 0 });
    expect((await usage()).checkout?.on).toBe(before + 1);
  });

  it('answers 429 with Retry-After past the per-token rate, counting nothing of that batch', async () => {
    const busy = await t.token(['sdk:production'], 'busy-app');
    const items = Array.from({ length: 40 }, () => ({ flag: 'idle', variant: 'on', count: 1 }));
    expect((await t.request('POST', URL, { token: busy, body: batch(items) })).status).toBe(200);
    const before = (await usage()).idle?.on;
    expect(before).toBe(40);
    // the server's clock stands still: the bucket (50 a second) has 10 left
    const over = await t.request('POST', URL, { token: busy, body: batch(items) });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('QUOTA_EXCEEDED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await usage()).idle?.on).toBe(40);
    // another token has its own bucket
    expect((await t.request('POST', URL, { token: sdk, body: batch(items.slice(0, 5)) })).status).toBe(200);
  });

  it('makes stale-flag detection see SDK traffic', async () => {
    const other = await t.request('PUT', '/api/v1/flags/sdk-only?environment=production', {
      body: { spec: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
    });
    expect(other.status).toBe(201);
    clock += 40 * DAY;
    const staleBefore = await t.request('GET', '/api/v1/flags-stale?environment=production&days=30');
    expect(staleBefore.body.items.map((s: { flag: string }) => s.flag)).toContain('sdk-only');
    const res = await t.request('POST', URL, {
      token: sdk,
      body: batch([
        { flag: 'sdk-only', variant: 'on', count: 3 },
        { flag: 'sdk-only', variant: 'off', count: 1 },
      ]),
    });
    expect(res.body.accepted).toBe(2);
    const stale = await t.request('GET', '/api/v1/flags-stale?environment=production&days=30');
    const flags = stale.body.items.map((s: { flag: string }) => s.flag);
    expect(flags).not.toContain('sdk-only');
    expect(flags).toContain('checkout'); // no evaluation in the last 30 days
  });
});
