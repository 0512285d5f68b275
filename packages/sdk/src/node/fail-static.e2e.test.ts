/**
 * Fail-static against a real server that is killed: the client keeps serving its last set,
 * reports `stale` (and the provider STALE), reconnects with backoff when the server returns,
 * and picks up what changed meanwhile. Also: bootstrap and the on-disk cache start a client
 * without any server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderEvents } from '@openfeature/server-sdk';
import { createTestDatabase } from '@sluice/server/test-support';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startSluice } from '../test-support/sluice.js';
import { SluiceClient } from './client.js';
import { SluiceProvider } from './provider.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-sdk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a killed server', () => {
  it('leaves the provider serving, STALE, then READY again with the changes made meanwhile', async () => {
    const database = await createTestDatabase('sqlite');
    let s = await startSluice({ database });
    const port = Number(new URL(s.url).port);
    const cacheFile = join(dir, 'flags.json');
    const provider = new SluiceProvider({
      url: s.url,
      token: s.sdk,
      cacheFile,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const events: string[] = [];
    for (const e of [ProviderEvents.Stale, ProviderEvents.Ready, ProviderEvents.ConfigurationChanged])
      provider.events.addHandler(e, () => events.push(e));
    try {
      await provider.initialize();
      expect(provider.client.value('max-items', 0)).toBe(10);
      // stop the server (the database stays): every connection ends
      await s.close();
      await vi.waitFor(() => expect(provider.client.status()).toBe('stale'));
      expect(events).toContain(ProviderEvents.Stale);
      expect(provider.client.value('max-items', 0)).toBe(10);
      const stale = await provider.resolveNumberEvaluation('max-items', 0, {});
      expect(stale).toMatchObject({ value: 10, variant: 'small' });

      // the server returns on the same port; a flag changed while the client was away
      s = await startSluice({ database, port, seed: false });
      await s.setDefault('max-items', 'large');
      await vi.waitFor(() => expect(provider.client.value('max-items', 0)).toBe(50), { timeout: 10_000 });
      expect(provider.client.status()).toBe('ready');
      expect(events.slice(events.indexOf(ProviderEvents.Stale))).toContain(ProviderEvents.Ready);

      // a new client with the server gone starts from the cache the first one kept (written in the background)
      await vi.waitFor(() =>
        expect(JSON.parse(readFileSync(cacheFile, 'utf8')).version).toBe(provider.client.version()),
      );
      await s.close();
      const fromCache = new SluiceClient({
        url: s.url,
        token: s.sdk,
        cacheFile,
        backoff: { initialMs: 50, maxMs: 200 },
      });
      await fromCache.waitForReady({ timeoutMs: 5000 });
      expect(fromCache.value('max-items', 0)).toBe(50);
      expect(fromCache.status()).toBe('stale');
      await fromCache.close();
    } finally {
      await provider.onClose();
      await database.drop();
    }
  }, 30_000);

  it('starts from a bootstrap set without any server, and waitForReady never hangs', async () => {
    const bootstrap = {
      environment: 'development',
      version: 1,
      digest: 'boot',
      builtAt: new Date(0).toISOString(),
      flags: { greeting: { state: 'ENABLED', variants: { hi: 'hi' }, defaultVariant: 'hi' } },
      segments: {},
      killed: [],
      emergency: false,
    };
    // a port nothing listens on (connection refused at once)
    const client = new SluiceClient({
      url: 'http://127.0.0.1:9',
      token: 't',
      bootstrap,
      backoff: { initialMs: 50 },
    });
    await client.waitForReady({ timeoutMs: 5000 });
    expect(client.value('greeting', 'none')).toBe('hi');
    expect(client.status()).toBe('stale');
    await client.close();

    const empty = new SluiceClient({ url: 'http://127.0.0.1:9', token: 't', backoff: { initialMs: 50 } });
    await expect(empty.waitForReady({ timeoutMs: 300 })).rejects.toThrow(/no flag set within 300 ms/);
    expect(empty.evaluate('greeting', 'string', 'none')).toMatchObject({
      value: 'none',
      errorCode: 'PROVIDER_NOT_READY',
    });
    await empty.close();
  });
});
