/**
 * Impressions against a real server: what the client and the OpenFeature provider evaluate shows
 * in the server's evaluation counts (on close, and on the interval), and counts a flush could not
 * deliver while the server was down arrive once it is back.
 */
import { OpenFeature } from '@openfeature/server-sdk';
import { createTestDatabase } from '@sluice/server/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Sluice, startSluice } from '../test-support/sluice.js';
import { SluiceClient } from './client.js';
import { SluiceProvider } from './provider.js';

async function counts(s: Sluice): Promise<Record<string, Record<string, number>>> {
  const res = await s.t.request('GET', '/api/v1/flag-evaluations?environment=development&days=30');
  if (res.status !== 200) throw new Error(`flag-evaluations: ${res.text}`);
  return Object.fromEntries(
    (res.body.items as { flag: string; variants: Record<string, number> }[]).map((u) => [u.flag, u.variants]),
  );
}

describe('impressions reach the server', () => {
  let s: Sluice;
  beforeAll(async () => {
    s = await startSluice();
  });
  afterAll(async () => s?.close());

  it("counts every evaluation of the client and the provider in the server's evaluation counts", async () => {
    const client = new SluiceClient({ url: s.url, token: s.sdk });
    await client.waitForReady({ timeoutMs: 5000 });
    const N = 1000;
    const served: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const { variant } = client.evaluate('banner-colour', 'string', 'none', { targetingKey: `user-${i}` });
      served[variant as string] = (served[variant as string] ?? 0) + 1;
    }
    expect(Object.keys(served).length).toBe(3); // a fractional flag: every variant served
    client.value('retired', 'x'); // disabled: no variant, not counted by the server
    client.value('no-such-flag', 'x'); // not in the set: not counted at all
    expect(client.impressionStats()).toEqual({ pending: N + 1, dropped: 0, delivered: 0 });

    const provider = new SluiceProvider({ url: s.url, token: s.sdk });
    await OpenFeature.setProviderAndWait('impressions', provider);
    const of = OpenFeature.getClient('impressions');
    for (let i = 0; i < 25; i++) expect(await of.getNumberValue('max-items', 0)).toBe(10);

    await client.close();
    await OpenFeature.close();
    expect(client.impressionStats()).toEqual({ pending: 0, dropped: 0, delivered: N + 1 });
    const after = await counts(s);
    expect(after['banner-colour']).toEqual(served);
    expect(after['max-items']).toEqual({ small: 25 });
    expect(after.retired).toBeUndefined();
    expect(after['no-such-flag']).toBeUndefined();
  });

  it('sends on its interval without a close', async () => {
    const client = new SluiceClient({ url: s.url, token: s.sdk, impressionsIntervalMs: 200 });
    try {
      await client.waitForReady({ timeoutMs: 5000 });
      const before = (await counts(s)).theme?.light ?? 0;
      for (let i = 0; i < 7; i++) client.evaluate('theme', 'object', {});
      await vi.waitFor(async () => expect((await counts(s)).theme?.light).toBe(before + 7), {
        timeout: 5000,
      });
    } finally {
      await client.close();
    }
  });

  it('drops a batch the server did not answer in time instead of sending it twice', async () => {
    // the impressions request hangs (as if the server counted it and the answer were lost)
    const hanging: typeof fetch = (input, init) =>
      String(input).includes('/api/v1/sdk/impressions') ? new Promise(() => {}) : fetch(input, init);
    const client = new SluiceClient({ url: s.url, token: s.sdk, fetch: hanging });
    await client.waitForReady({ timeoutMs: 5000 });
    for (let i = 0; i < 4; i++) client.value('new-checkout', false);
    await client.flushImpressions();
    expect(client.impressionStats()).toEqual({ pending: 0, dropped: 4, delivered: 0 });
    await client.close();
  }, 15_000);

  it('counts nothing with `impressions: false`', async () => {
    const client = new SluiceClient({ url: s.url, token: s.sdk, impressions: false });
    await client.waitForReady({ timeoutMs: 5000 });
    const before = (await counts(s))['new-checkout'];
    for (let i = 0; i < 5; i++) client.value('new-checkout', false);
    await client.close();
    expect(client.impressionStats()).toEqual({ pending: 0, dropped: 0, delivered: 0 });
    expect((await counts(s))['new-checkout']).toEqual(before);
  });
});

describe('impressions while the server is down', () => {
  it('are kept by a failed flush and delivered once the server is back', async () => {
    const database = await createTestDatabase('sqlite');
    let s = await startSluice({ database });
    const port = Number(new URL(s.url).port);
    const client = new SluiceClient({
      url: s.url,
      token: s.sdk,
      impressionsIntervalMs: 3_600_000, // only the explicit flushes below send
      backoff: { initialMs: 50, maxMs: 200 },
    });
    try {
      await client.waitForReady({ timeoutMs: 5000 });
      await s.close();
      for (let i = 0; i < 40; i++) expect(client.value('max-items', 0)).toBe(10);
      await client.flushImpressions(); // refused connection: never throws
      expect(client.impressionStats()).toEqual({ pending: 40, dropped: 0, delivered: 0 });
      // counted while away, merged with what waits
      for (let i = 0; i < 2; i++) client.value('max-items', 0);

      s = await startSluice({ database, port, seed: false });
      // back: the client has reconnected (a send racing the server's first moments may fail: kept again)
      await vi.waitFor(() => expect(client.status()).toBe('ready'), { timeout: 10_000 });
      await client.flushImpressions();
      expect(client.impressionStats()).toEqual({ pending: 0, dropped: 0, delivered: 42 });
      expect((await counts(s))['max-items']).toEqual({ small: 42 });
    } finally {
      await client.close();
      await s.close();
      await database.drop();
    }
  }, 30_000);
});
