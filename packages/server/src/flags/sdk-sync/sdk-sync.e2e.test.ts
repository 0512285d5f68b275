/**
 * The SDK sync API on a listening server (both databases): the set with ETag and 304, who may
 * read it, the stream's full set on connect, deltas after a write, kill and emergency, and a revoked
 * token's stream ended by the heartbeat's check.
 */
import { FlagSetDeltaSchema, FlagSetSyncSchema } from '@sluice/core/flags';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { OFREP_FLAGS } from '../ofrep/test-support/flags.js';
import { openSse } from '../ofrep/test-support/sse.js';
import { SyncStreams } from './sync-streams.js';

describe.each(DIALECTS)('SDK flag-set sync on %s', (dialect) => {
  let t: TestServer;
  let base: string;
  let sdk: string;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
    await t.request('PUT', '/api/v1/segments/beta?environment=production', {
      body: { spec: { rule: { in: ['@beta', { var: 'email' }] } } },
    });
    sdk = await t.token(['sdk:production'], 'node-app');
    base = await t.server.listen();
  });
  afterAll(async () => t?.close());

  it('serves the set with its version and ETag, 304 for the same, and refuses other environments', async () => {
    const res = await t.request('GET', '/api/v1/sdk/flag-set', { token: sdk });
    expect(res.status).toBe(200);
    const body = FlagSetSyncSchema.parse(res.body);
    expect(body.environment).toBe('production');
    expect(Object.keys(body.flags).sort()).toEqual(Object.keys(OFREP_FLAGS.flags).sort());
    expect(body.segments).toEqual({ beta: { in: ['@beta', { var: 'email' }] } });
    expect(body).toMatchObject({ killed: [], emergency: false });
    const etag = res.headers.etag as string;
    expect(etag).toBe(`W/"${body.digest}"`);
    const again = await t.request('GET', '/api/v1/sdk/flag-set', {
      token: sdk,
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    expect((await t.request('GET', '/api/v1/sdk/flag-set', { token: null })).status).toBe(401);
    const other = await t.request('GET', '/api/v1/sdk/flag-set?environment=development', { token: sdk });
    expect(other.status).toBe(403);
    // an admin token names the environment
    const admin = await t.request('GET', '/api/v1/sdk/flag-set?environment=production');
    expect(admin.body.digest).toBe(body.digest);
  });

  it('streams the whole set on connect, then deltas after a write, a kill and an emergency', async () => {
    const stream = await openSse(`${base}/api/v1/sdk/stream`, { authorization: `Bearer ${sdk}` });
    try {
      expect(stream.status).toBe(200);
      const next = async (event = 'flag-set-delta') => {
        for (;;) {
          const f = await stream.next();
          if (f.event === 'flag-set' || f.event === 'flag-set-delta') {
            expect(f.event).toBe(event);
            return { id: f.id, data: JSON.parse(f.data ?? '') };
          }
        }
      };
      const first = await next('flag-set');
      const set = FlagSetSyncSchema.parse(first.data);
      expect(set.digest).toBe((await t.server.flagSets.get('production')).digest);
      expect(first.id).toBe(String(set.version));

      // a write: only the written flag travels, from the version the stream holds
      await t.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
        body: { spec: { state: 'ENABLED', variants: { red: 'red' }, defaultVariant: 'red' } },
      });
      const written = FlagSetDeltaSchema.parse((await next()).data);
      expect(written.base).toBe(set.version);
      expect(written.version).toBeGreaterThan(set.version);
      expect(Object.keys(written.changed)).toEqual(['banner-colour']);
      expect(written.changed['banner-colour']).toMatchObject({ variants: { red: 'red' } });
      expect(written.digest).toBe((await t.server.flagSets.get('production')).digest);

      await t.request('POST', '/api/v1/flags/new-checkout/kill?environment=production', {
        body: { reason: 'sync test' },
      });
      const killed = FlagSetDeltaSchema.parse((await next()).data);
      expect(killed).toMatchObject({
        base: written.version,
        changed: {},
        removed: [],
        killed: ['new-checkout'],
      });

      await t.request('POST', '/api/v1/environments/production/emergency-stop', {
        body: { reason: 'sync test' },
      });
      expect(FlagSetDeltaSchema.parse((await next()).data).emergency).toBe(true);
      await t.request('POST', '/api/v1/environments/production/emergency-clear', { body: {} });
      expect(FlagSetDeltaSchema.parse((await next()).data).emergency).toBe(false);

      // a segment change sends the whole set again
      await t.request('PUT', '/api/v1/segments/beta?environment=production', {
        body: { spec: { rule: { in: ['@beta.example', { var: 'email' }] } } },
      });
      const whole = FlagSetSyncSchema.parse((await next('flag-set')).data);
      expect(whole.segments.beta).toEqual({ in: ['@beta.example', { var: 'email' }] });
    } finally {
      stream.close();
    }
  });

  it('caps the streams one token holds, naming the setting; other tokens still connect', async () => {
    const capped = await startTestServer(dialect, { config: { quotas: { sdkStreamsPerToken: 2 } } });
    const opened: { close(): void }[] = [];
    try {
      const url = `${await capped.server.listen()}/api/v1/sdk/stream`;
      const one = await capped.token(['sdk:production'], 'one-service');
      const other = await capped.token(['sdk:production'], 'other-service');
      for (let i = 0; i < 2; i++) {
        const s = await openSse(url, { authorization: `Bearer ${one}` });
        opened.push(s);
        expect(s.status).toBe(200);
      }
      const refused = await fetch(url, { headers: { authorization: `Bearer ${one}` } });
      expect(refused.status).toBe(429);
      const problem = (await refused.json()) as { code: string; detail: string };
      expect(problem.code).toBe('SDK_STREAMS_EXHAUSTED');
      expect(problem.detail).toMatch(
        /already holds 2 SDK streams \(at most 2, SLUICE_QUOTA_SDK_STREAMS_PER_TOKEN\)/,
      );
      const s = await openSse(url, { authorization: `Bearer ${other}` });
      opened.push(s);
      expect(s.status).toBe(200);
      // a closed stream gives its place back
      opened.shift()?.close();
      await vi.waitFor(async () => {
        const again = await openSse(url, { authorization: `Bearer ${one}` });
        opened.push(again);
        expect(again.status).toBe(200);
      });
    } finally {
      for (const s of opened) s.close();
      await capped.close();
    }
  });

  it('refuses a stream without a header token (a token in the URL is not read)', async () => {
    const res = await fetch(`${base}/api/v1/sdk/stream?token=${sdk}`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });
});

describe('SDK streams of a revoked token', () => {
  it('end at the next heartbeat', async () => {
    const streams = new SyncStreams(
      { onChange: () => () => {} },
      {
        perToken: 10,
        total: 2,
        heartbeatMs: 20,
      },
    );
    const t = await startTestServer('sqlite');
    try {
      const flags = await t.server.flagSets.get('development');
      let alive = true;
      const { PassThrough } = await import('node:stream');
      const { ServerResponse, IncomingMessage } = await import('node:http');
      const socket = new PassThrough();
      const res = new ServerResponse(new IncomingMessage(socket as never));
      let ended = false;
      res.end = ((chunk?: unknown) => {
        ended = String(chunk).includes('no longer valid');
        return res;
      }) as never;
      streams.open(res, flags, {}, async () => alive, 'a');
      expect(streams.size).toBe(1);
      streams.admit('b');
      streams.open(
        new ServerResponse(new IncomingMessage(socket as never)),
        flags,
        {},
        async () => true,
        'b',
      );
      expect(() => streams.admit('c')).toThrow(/2 SDK streams/);
      alive = false;
      await vi.waitFor(() => expect(ended).toBe(true));
    } finally {
      streams.close();
      await t.close();
    }
  });
});
