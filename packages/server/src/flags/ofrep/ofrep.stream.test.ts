/**
 * The change stream on a real listening server (both databases), and the evaluation hook.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { mountOfrep } from './ofrep.routes.js';
import { sseEventDataSchema } from './ofrep.schema.js';
import { OFREP_FLAGS } from './test-support/flags.js';
import { openSse } from './test-support/sse.js';

describe.each(DIALECTS)('OFREP change stream on %s', (dialect) => {
  let t: TestServer;
  let base: string;
  let sdk: string;

  beforeAll(async () => {
    t = await startTestServer(dialect);
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
    sdk = await t.token(['sdk:production'], 'web-app');
    base = await t.server.listen();
  });
  afterAll(async () => t?.close());

  const announced = async () => {
    const res = await t.request('POST', '/ofrep/v1/evaluate/flags', { body: { context: {} }, token: sdk });
    return `${base}${res.body.eventStreams[0].endpoint.requestUri}`;
  };

  it('delivers refetchEvaluation after a flag change, a kill and an emergency, and not otherwise', async () => {
    const stream = await openSse(await announced());
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      expect(stream.headers.get('access-control-allow-origin')).toBe('*');
      const hello = await stream.next();
      expect(hello.retry).toBeGreaterThan(0);
      const digestBefore = (await t.server.flagSets.get('production')).digest;
      expect(hello.id).toBe(digestBefore);

      // a write that changes nothing, and another environment's change, send no event
      await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
      await t.request('PUT', '/api/v1/flags/dev-only?environment=development', {
        body: { spec: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' } },
      });
      await t.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
        body: { spec: { state: 'ENABLED', variants: { red: 'red' }, defaultVariant: 'red' } },
      });
      const changed = await stream.next();
      expect(changed.event).toBe('message');
      const data = sseEventDataSchema.parse(JSON.parse(changed.data ?? ''));
      const digestAfter = (await t.server.flagSets.get('production')).digest;
      expect(data).toMatchObject({ type: 'refetchEvaluation', etag: digestAfter });
      expect(data.etag).not.toBe(digestBefore);
      expect(changed.id).toBe(digestAfter);

      await t.request('POST', '/api/v1/flags/new-checkout/kill?environment=production', {
        body: { reason: 'stream test' },
      });
      expect(JSON.parse((await stream.next()).data ?? '').type).toBe('refetchEvaluation');
      await t.request('POST', '/api/v1/environments/production/emergency-stop', { body: { reason: 'x' } });
      expect(JSON.parse((await stream.next()).data ?? '').type).toBe('refetchEvaluation');
      await t.request('POST', '/api/v1/environments/production/emergency-clear');
    } finally {
      stream.close();
    }
  });

  it('tells a client reconnecting with an old Last-Event-ID that it missed a change', async () => {
    const url = await announced();
    const first = await openSse(url);
    const seen = (await first.next()).id as string;
    first.close();
    await t.request('PUT', '/api/v1/flags/max-items?environment=production', {
      body: { spec: { state: 'ENABLED', variants: { few: 5 }, defaultVariant: 'few' } },
    });
    const current = (await t.server.flagSets.get('production')).digest;
    const resumed = await openSse(url, { 'last-event-id': seen });
    try {
      expect((await resumed.next()).id).toBe(current);
      const missed = await resumed.next();
      expect(JSON.parse(missed.data ?? '')).toMatchObject({ type: 'refetchEvaluation', etag: current });
    } finally {
      resumed.close();
    }
    // up to date: only the greeting, then the next real change
    const upToDate = await openSse(url, { 'last-event-id': current });
    try {
      await upToDate.next();
      await t.request('PUT', '/api/v1/flags/max-items?environment=production', {
        body: { spec: { state: 'ENABLED', variants: { few: 6 }, defaultVariant: 'few' } },
      });
      const next = await upToDate.next();
      expect(next.id).toBe((await t.server.flagSets.get('production')).digest);
      expect(next.id).not.toBe(current);
    } finally {
      upToDate.close();
    }
  });

  it('accepts the token in the Authorization header too, and refuses without one', async () => {
    const bare = `${base}/ofrep/v1/events?environment=production`;
    const anonymous = await fetch(bare);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toHaveProperty('errorDetails');
    const other = await t.token(['sdk:development']);
    expect((await fetch(bare, { headers: { authorization: `Bearer ${other}` } })).status).toBe(403);
    const stream = await openSse(bare, { authorization: `Bearer ${sdk}` });
    expect(stream.status).toBe(200);
    stream.close();
  });

  it('ends open streams when the server closes', async () => {
    const own = await startTestServer(dialect);
    const url = `${await own.server.listen()}/ofrep/v1/events`;
    const stream = await openSse(url, { authorization: 'Bearer test-admin-token-0123456789' });
    await stream.next();
    await own.close();
    await expect(stream.next()).rejects.toThrow();
  });
});

describe('OFREP evaluation hook', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
  });
  afterAll(async () => t?.close());

  it('is called once per evaluated flag with its variant, and not for failures', async () => {
    const calls: [string, string, string | undefined][] = [];
    const app = Fastify();
    mountOfrep(app, {
      flagSets: t.server.flagSets,
      tokens: t.server.tokens,
      emergency: () => null,
      defaultEnvironment: () => 'production',
      onEvaluated: (environment, flag, variant) => calls.push([environment, flag, variant]),
    });
    const sdk = await t.token(['sdk:production']);
    const post = (url: string, context: unknown) =>
      app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${sdk}` }, payload: { context } });
    await post('/ofrep/v1/evaluate/flags/banner-colour', {});
    await post('/ofrep/v1/evaluate/flags/missing', {});
    await post('/ofrep/v1/evaluate/flags/code-default', {});
    await post('/ofrep/v1/evaluate/flags/banner-colour', [1]);
    expect(calls).toEqual([
      ['production', 'banner-colour', 'blue'],
      ['production', 'code-default', undefined],
    ]);
    calls.length = 0;
    await post('/ofrep/v1/evaluate/flags', { targetingKey: 'list-user' });
    expect(calls.length).toBe(Object.keys(OFREP_FLAGS.flags).length);
    expect(calls).toContainEqual(['production', 'layout', 'list']);
    await app.close();
  });
});
