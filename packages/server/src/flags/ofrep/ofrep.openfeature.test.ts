/**
 * The official OpenFeature OFREP providers from npm, against a real listening Sluice: the
 * server provider (@openfeature/ofrep-provider + server-sdk) and the web provider
 * (@openfeature/ofrep-web-provider + web-sdk, which runs in Node with its fetch, and with the
 * `eventsource` package as the EventSource Node 20 lacks).
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature as ServerOpenFeature } from '@openfeature/server-sdk';
import { ClientProviderEvents, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { OFREP_FLAGS } from './test-support/flags.js';

/** The `eventsource` package's EventSource, remembering what the provider opened. */
class TrackedEventSource extends EventSource {
  static readonly instances: TrackedEventSource[] = [];
  constructor(...args: ConstructorParameters<typeof EventSource>) {
    super(...args);
    TrackedEventSource.instances.push(this);
  }
}

describe('OpenFeature OFREP providers against Sluice', () => {
  let t: TestServer;
  let baseUrl: string;
  let sdk: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
    sdk = await t.token(['sdk:production'], 'web-app');
    baseUrl = await t.server.listen();
  });
  afterAll(async () => {
    await ServerOpenFeature.close();
    await WebOpenFeature.close();
    await t?.close();
  });

  it('server provider: values, variants, reasons and metadata of every type', async () => {
    await ServerOpenFeature.setProviderAndWait(
      'sluice',
      new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${sdk}`]] }),
    );
    const client = ServerOpenFeature.getClient('sluice');
    const premium = { targetingKey: 'u1', plan: 'premium' };
    expect(await client.getBooleanDetails('new-checkout', false, premium)).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { team: 'web' },
    });
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u2' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
    expect(await client.getStringDetails('banner-colour', 'none', premium)).toMatchObject({
      value: 'blue',
      variant: 'blue',
      reason: 'STATIC',
      flagMetadata: { team: 'web', owner: 'growth' },
    });
    expect(await client.getNumberValue('max-items', 0, premium)).toBe(50.5);
    expect(await client.getObjectDetails('layout', {}, { targetingKey: 'list-user' })).toMatchObject({
      value: { columns: 1, dense: false },
      variant: 'list',
    });
  });

  it('server provider: FLAG_NOT_FOUND, TYPE_MISMATCH, INVALID_CONTEXT fall back to the default', async () => {
    const client = ServerOpenFeature.getClient('sluice');
    expect(await client.getBooleanDetails('no-such-flag', true, {})).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
    // OFREP carries no type: the provider compares the value with the default's type
    expect(await client.getBooleanDetails('banner-colour', false, {})).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 7 } as never)).toMatchObject({
      value: true,
      reason: 'ERROR',
    });
  });

  it('server provider: the token picks the environment; a token without evaluation rights gets nothing', async () => {
    const other = await t.token(['sdk:development']);
    await ServerOpenFeature.setProviderAndWait(
      'other',
      new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${other}`]] }),
    );
    // development has none of these flags
    expect(
      await ServerOpenFeature.getClient('other').getBooleanDetails('new-checkout', true, {}),
    ).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    const router = await t.token(['router']);
    await ServerOpenFeature.setProviderAndWait(
      'router',
      new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${router}`]] }),
    );
    // 403: the provider raises an error and the caller's default applies
    expect(
      await ServerOpenFeature.getClient('router').getBooleanDetails('new-checkout', true, {}),
    ).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'GENERAL' });
  });

  it('web provider: bulk evaluation, code defaults, and a change picked up through the ETag', async () => {
    await WebOpenFeature.setContext({ targetingKey: 'u1', plan: 'premium' });
    await WebOpenFeature.setProviderAndWait(
      new OFREPWebProvider({
        baseUrl,
        headers: [['Authorization', `Bearer ${sdk}`]],
        changeDetection: 'polling',
        pollInterval: 50,
        disableVisibilityRefresh: true,
      } as never),
    );
    const client = WebOpenFeature.getClient();
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect(client.getStringValue('banner-colour', 'none')).toBe('blue');
    expect(client.getNumberValue('max-items', 0)).toBe(50.5);
    expect(client.getObjectValue('layout', {})).toEqual({ columns: 3, dense: true });
    // no default variant: the code default applies
    expect(client.getBooleanDetails('code-default', true)).toMatchObject({ value: true });
    expect(client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: 'FLAG_NOT_FOUND',
    });

    const changed = new Promise<void>((resolve) =>
      client.addHandler(ClientProviderEvents.ConfigurationChanged, () => resolve()),
    );
    await t.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
      body: { spec: { state: 'ENABLED', variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red' } },
    });
    await changed;
    expect(client.getStringDetails('banner-colour', 'none')).toMatchObject({ value: 'red', variant: 'red' });
    await WebOpenFeature.clearProviders();
  });

  it('web provider: follows the announced change stream (SSE) instead of polling', async () => {
    const global = globalThis as { EventSource?: unknown };
    const before = global.EventSource;
    global.EventSource = TrackedEventSource;
    try {
      await WebOpenFeature.setContext({ targetingKey: 'u1' });
      await WebOpenFeature.setProviderAndWait(
        new OFREPWebProvider({
          baseUrl,
          headers: [['Authorization', `Bearer ${sdk}`]],
          disableVisibilityRefresh: true,
        } as never),
      );
      const client = WebOpenFeature.getClient();
      expect(client.getNumberValue('max-items', 0)).toBe(50.5);
      // a stream ticket rides in the URL, never the token (issue 13, L2)
      const streamUrl = TrackedEventSource.instances.at(-1)?.url ?? '';
      expect(streamUrl).toMatch(/\/ofrep\/v1\/events\?environment=production&ticket=sst_/);
      expect(streamUrl).not.toContain(sdk);
      const changed = new Promise<void>((resolve) =>
        client.addHandler(ClientProviderEvents.ConfigurationChanged, () => resolve()),
      );
      // wait until the provider's stream is connected, so the change cannot slip past it
      await vi.waitFor(
        () => expect(TrackedEventSource.instances.some((e) => e.readyState === EventSource.OPEN)).toBe(true),
        { timeout: 5_000, interval: 10 },
      );
      await t.request('PUT', '/api/v1/flags/max-items?environment=production', {
        body: { spec: { state: 'ENABLED', variants: { few: 5, many: 50.5 }, defaultVariant: 'few' } },
      });
      await changed;
      expect(client.getNumberDetails('max-items', 0)).toMatchObject({ value: 5, variant: 'few' });
    } finally {
      await WebOpenFeature.clearProviders();
      global.EventSource = before;
    }
  });
});
