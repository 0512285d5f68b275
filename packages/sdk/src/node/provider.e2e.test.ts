/**
 * The OpenFeature server provider against a real listening Sluice: typed answers, reasons and
 * error codes as OpenFeature defines them, CONFIGURATION_CHANGED after a write and a kill, and
 * the same answers as the server's OFREP on generated contexts.
 */
import { type EventDetails, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Sluice, startSluice } from '../test-support/sluice.js';
import { SluiceProvider } from './provider.js';

describe('SluiceProvider (OpenFeature server) against a real server', () => {
  let s: Sluice;
  let provider: SluiceProvider;

  beforeAll(async () => {
    s = await startSluice();
    provider = new SluiceProvider({ url: s.url, token: s.sdk });
    await OpenFeature.setProviderAndWait('contract', provider);
  });
  afterAll(async () => {
    await OpenFeature.close();
    await s?.close();
  });

  it('answers every value type with variants, reasons and error codes', async () => {
    const client = OpenFeature.getClient('contract');
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    const beta = await client.getBooleanDetails('new-checkout', false, {
      targetingKey: 'u1',
      email: 'a@beta.example',
    });
    expect(beta).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    const plain = await client.getBooleanDetails('new-checkout', true, {
      targetingKey: 'u1',
      email: 'a@x.example',
    });
    expect(plain).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(await client.getNumberDetails('max-items', 0)).toMatchObject({ value: 10, reason: 'STATIC' });
    expect(await client.getObjectValue('theme', {})).toEqual({ mode: 'light', contrast: 1 });
    expect(await client.getStringDetails('retired', 'fallback')).toMatchObject({
      value: 'fallback',
      reason: 'DISABLED',
    });
    expect(await client.getStringDetails('missing', 'x')).toMatchObject({
      value: 'x',
      errorCode: 'FLAG_NOT_FOUND',
    });
    expect(await client.getStringDetails('max-items', 'x')).toMatchObject({
      value: 'x',
      errorCode: 'TYPE_MISMATCH',
    });
    const colour = await client.getStringDetails('banner-colour', 'none');
    // without a targeting key fractional has nothing to bucket on: the default variant (as flagd)
    expect(colour).toMatchObject({ value: 'red', variant: 'red', reason: 'DEFAULT' });
  });

  it('gives the same answers as OFREP on generated contexts', async () => {
    for (let i = 0; i < 60; i++) {
      const context = {
        targetingKey: `user-${i * 7919}`,
        email: i % 3 ? `u${i}@beta.example` : `u${i}@other.example`,
      };
      const ofrep = await fetch(`${s.url}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.sdk}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context }),
      }).then(
        (r) =>
          r.json() as Promise<{
            flags: { key: string; value?: unknown; variant?: string; reason?: string; errorCode?: string }[];
          }>,
      );
      for (const remote of ofrep.flags) {
        const type =
          remote.key === 'max-items'
            ? 'number'
            : remote.key === 'theme'
              ? 'object'
              : remote.key === 'new-checkout'
                ? 'boolean'
                : 'string';
        const local = provider.client.evaluate(remote.key, type, null as never, context);
        expect({
          key: remote.key,
          value: local.value ?? undefined,
          variant: local.variant,
          reason: local.reason,
        }).toEqual({
          key: remote.key,
          value: remote.value,
          variant: remote.variant,
          reason: remote.reason,
        });
      }
    }
  });

  it('emits CONFIGURATION_CHANGED with the changed keys after a write and a kill', async () => {
    const client = OpenFeature.getClient('contract');
    const changes: string[][] = [];
    const handler = (details?: EventDetails) =>
      changes.push((details?.flagsChanged as string[] | undefined) ?? []);
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    try {
      await s.setDefault('max-items', 'large');
      await vi.waitFor(async () => expect(await client.getNumberValue('max-items', 0)).toBe(50));
      expect(changes.at(-1)).toEqual(['max-items']);
      const kill = await s.t.request('POST', '/api/v1/flags/new-checkout/kill?environment=development', {
        body: { reason: 'contract test' },
      });
      expect(kill.status).toBeLessThan(300);
      const beta = { targetingKey: 'u1', email: 'a@beta.example' };
      await vi.waitFor(async () =>
        expect(await client.getBooleanValue('new-checkout', true, beta)).toBe(false),
      );
      expect(changes.at(-1)).toEqual(['new-checkout']);
    } finally {
      client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    }
  });

  it('refuses a revoked token: ERROR status, and the last values keep serving', async () => {
    const token = await s.t.token(['sdk:development'], 'to-revoke');
    const list = await s.t.request('GET', '/api/v1/tokens');
    const id = list.body.items.find((x: { subject: string }) => x.subject === 'to-revoke').id;
    const local = new SluiceProvider({ url: s.url, token, backoff: { initialMs: 20, maxMs: 100 } });
    await local.initialize();
    const revoked = await s.t.request('POST', `/api/v1/tokens/${id}/revoke`);
    expect(revoked.status).toBeLessThan(300);
    // the server ends the stream at its next token check; a reconnect is refused with 401
    s.t.server.app.fastify.server.closeAllConnections?.();
    await vi.waitFor(() => expect(local.client.status()).toBe('error'), { timeout: 5000 });
    expect(local.client.lastError()?.message).toMatch(/401/);
    expect(local.client.value('max-items', 0)).toBe(50);
    await local.onClose();
  });
});
