/** OFREP on the control plane, end to end on both databases (Fastify inject, no socket). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import {
  bulkEvaluationSuccessSchema,
  evaluationFailureSchema,
  evaluationSuccessSchema,
  generalFailureSchema,
} from './ofrep.schema.js';
import { OFREP_FLAGS } from './test-support/flags.js';

describe.each(DIALECTS)('OFREP on %s', (dialect) => {
  let t: TestServer;
  let sdk: string;
  let devSdk: string;
  let devReader: string;
  const one = (key: string, context: unknown, token: string | null = sdk, query = '') =>
    t.request('POST', `/ofrep/v1/evaluate/flags/${key}${query}`, { body: { context }, token });
  const bulk = (context: unknown, headers: Record<string, string> = {}, token: string | null = sdk) =>
    t.request('POST', '/ofrep/v1/evaluate/flags', { body: { context }, token, headers });

  beforeAll(async () => {
    t = await startTestServer(dialect);
    const applied = await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [OFREP_FLAGS] },
    });
    expect(applied.status).toBe(200);
    sdk = await t.token(['sdk:production'], 'web-app');
    devSdk = await t.token(['sdk:development'], 'dev-app');
    devReader = await t.token(['read:development'], 'dev-reader');
  });
  afterAll(async () => t?.close());

  it('evaluates every OFREP value type with value, variant, reason and metadata', async () => {
    const bool = await one('new-checkout', { targetingKey: 'u1', plan: 'premium' });
    expect(bool.status).toBe(200);
    expect(bool.headers['content-type']).toMatch(/application\/json/);
    expect(bool.body).toEqual({
      key: 'new-checkout',
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      metadata: { team: 'web' },
    });
    expect((await one('new-checkout', { targetingKey: 'u1', plan: 'free' })).body).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
    const str = await one('banner-colour', { targetingKey: 'u1' });
    expect(str.body).toEqual({
      key: 'banner-colour',
      value: 'blue',
      variant: 'blue',
      reason: 'STATIC',
      metadata: { team: 'web', owner: 'growth' },
    });
    expect((await one('max-items', {})).body).toMatchObject({ value: 50.5, variant: 'many' });
    expect((await one('layout', { targetingKey: 'list-user' })).body).toMatchObject({
      value: { columns: 1, dense: false },
      variant: 'list',
      reason: 'TARGETING_MATCH',
    });
    for (const res of [bool, str]) expect(evaluationSuccessSchema.safeParse(res.body).success).toBe(true);
  });

  it('answers the code-default form (no value) for a flag without default variant or disabled', async () => {
    const noDefault = await one('code-default', { targetingKey: 'u1' });
    expect(noDefault.status).toBe(200);
    expect(noDefault.body).toEqual({ key: 'code-default', reason: 'DEFAULT', metadata: { team: 'web' } });
    const disabled = await one('switched-off', {});
    expect(disabled.body).toEqual({ key: 'switched-off', reason: 'DISABLED', metadata: { team: 'web' } });
  });

  it('answers FLAG_NOT_FOUND with 404 and OFREP shape', async () => {
    const res = await one('no-such-flag', { targetingKey: 'u1' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ key: 'no-such-flag', errorCode: 'FLAG_NOT_FOUND' });
    expect(res.body.errorDetails).toMatch(/not found/);
    expect(evaluationFailureSchema.safeParse(res.body).success).toBe(true);
  });

  it('answers INVALID_CONTEXT and PARSE_ERROR with 400, single and bulk, never problem+json', async () => {
    for (const context of [[1, 2], 'user', 42, null, { targetingKey: 7 }]) {
      const res = await one('new-checkout', context);
      expect(res.status, JSON.stringify(context)).toBe(400);
      expect(res.body).toMatchObject({ key: 'new-checkout', errorCode: 'INVALID_CONTEXT' });
      const b = await bulk(context);
      expect(b.status).toBe(400);
      expect(b.body.errorCode).toBe('INVALID_CONTEXT');
    }
    const malformed = await t.request('POST', '/ofrep/v1/evaluate/flags/new-checkout', {
      rawBody: '{"context": {',
      token: sdk,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/json/);
    expect(malformed.body).toMatchObject({ key: 'new-checkout', errorCode: 'PARSE_ERROR' });
    const notObject = await t.request('POST', '/ofrep/v1/evaluate/flags', { rawBody: '[1]', token: sdk });
    expect(notObject.body).toMatchObject({ errorCode: 'PARSE_ERROR' });
    const proto = await t.request('POST', '/ofrep/v1/evaluate/flags/new-checkout', {
      rawBody: '{"context": {"__proto__": {"admin": true}}}',
      token: sdk,
    });
    expect(proto.status).toBe(400);
    expect(proto.body.errorCode).toBe('PARSE_ERROR');
  });

  it('answers 401 without or with an unknown token, 403 outside the token environment', async () => {
    const anonymous = await one('new-checkout', {}, null);
    expect(anonymous.status).toBe(401);
    expect(generalFailureSchema.safeParse(anonymous.body).success).toBe(true);
    expect((await one('new-checkout', {}, 'slc_000000000000_unknown')).status).toBe(401);
    const malformedHeader = await t.request('POST', '/ofrep/v1/evaluate/flags/new-checkout', {
      body: { context: {} },
      token: null,
      headers: { authorization: 'Basic abc' },
    });
    expect(malformedHeader.status).toBe(401);
    expect((await one('new-checkout', {}, devSdk, '?environment=production')).status).toBe(403);
    expect((await one('new-checkout', {}, devReader, '?environment=production')).status).toBe(403);
    expect((await bulk({}, {}, null)).status).toBe(401);
    // the sdk token picks its own environment: the flag lives in production only
    expect((await one('new-checkout', {}, devSdk)).status).toBe(404);
    // OFREP's optional X-API-Key works as well
    const apiKey = await t.request('POST', '/ofrep/v1/evaluate/flags/banner-colour', {
      body: { context: {} },
      token: null,
      headers: { 'x-api-key': sdk },
    });
    expect(apiKey.body.value).toBe('blue');
  });

  it('lets read/write/admin tokens name the environment, defaulting to the server default', async () => {
    expect((await one('banner-colour', {}, undefined as never, '?environment=production')).status).toBe(200);
    // the admin token with no environment evaluates in the default (development): not there
    const { ADMIN_TOKEN } = await import('../../test-support/server.js');
    expect((await one('banner-colour', {}, ADMIN_TOKEN)).status).toBe(404);
    expect((await one('banner-colour', {}, ADMIN_TOKEN, '?environment=production')).body.value).toBe('blue');
    const badName = await one('banner-colour', {}, ADMIN_TOKEN, '?environment=Not%20An%20Env');
    expect(badName.status).toBe(400);
    expect(badName.body.errorDetails).toMatch(/query.environment/);
  });

  it('bulk: every flag, ETag, 304 when unchanged, event stream announced', async () => {
    const ctx = { targetingKey: 'u1', plan: 'premium' };
    const first = await bulk(ctx);
    expect(first.status).toBe(200);
    expect(bulkEvaluationSuccessSchema.safeParse(first.body).success).toBe(true);
    const byKey = Object.fromEntries(first.body.flags.map((f: any) => [f.key, f]));
    expect(byKey['new-checkout']).toMatchObject({ value: true, variant: 'on' });
    expect(byKey['code-default']).toEqual({
      key: 'code-default',
      reason: 'DEFAULT',
      metadata: { team: 'web' },
    });
    expect(first.body.eventStreams[0]).toMatchObject({ type: 'sse', inactivityDelaySec: 120 });
    expect(first.body.eventStreams[0].endpoint.requestUri).toMatch(
      /^\/ofrep\/v1\/events\?environment=production/,
    );
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await bulk({ plan: 'premium', targetingKey: 'u1' }, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await bulk(ctx, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await bulk(ctx, { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('bulk ETag changes with the context, a flag change, a kill and an emergency', async () => {
    const ctx = { targetingKey: 'u1', plan: 'premium' };
    const etagOf = async (context = ctx) => (await bulk(context)).headers.etag as string;
    const seen = new Set<string>();
    const base = await etagOf();
    seen.add(base);
    const otherContext = await etagOf({ targetingKey: 'u2', plan: 'premium' });
    expect(seen.has(otherContext)).toBe(false);
    seen.add(otherContext);

    const changed = await t.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
      body: { spec: { state: 'ENABLED', variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red' } },
    });
    expect(changed.status).toBe(200);
    const afterChange = await etagOf();
    expect(seen.has(afterChange)).toBe(false);
    seen.add(afterChange);
    expect((await bulk(ctx, { 'if-none-match': base })).status).toBe(200);

    await t.request('POST', '/api/v1/flags/new-checkout/kill?environment=production', {
      body: { reason: 'test' },
    });
    const afterKill = await etagOf();
    expect(seen.has(afterKill)).toBe(false);
    seen.add(afterKill);
    expect((await one('new-checkout', ctx)).body).toMatchObject({ value: false, reason: 'DISABLED' });
    await t.request('POST', '/api/v1/flags/new-checkout/unkill?environment=production', {
      body: { reason: 'test' },
    });

    const stop = await t.request('POST', '/api/v1/environments/production/emergency-stop', {
      body: { reason: 'drill' },
    });
    expect(stop.status).toBe(200);
    const inEmergency = await bulk(ctx);
    expect(seen.has(inEmergency.headers.etag as string)).toBe(false);
    expect(inEmergency.headers['sluice-emergency']).toMatch(/active; environment=production/);
    const single = await one('new-checkout', ctx);
    expect(single.headers['sluice-emergency']).toMatch(/active; environment=production/);
    expect(single.body).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
    await t.request('POST', '/api/v1/environments/production/emergency-clear');
    expect((await one('new-checkout', ctx)).headers['sluice-emergency']).toBeUndefined();
  });

  it('answers CORS preflights and exposes ETag to browsers', async () => {
    for (const url of ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/x', '/ofrep/v1/events']) {
      const res = await t.server.app.fastify.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: 'https://shop.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, if-none-match',
        },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/Authorization/);
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/If-None-Match/);
    }
    const res = await bulk({}, { origin: 'https://shop.example' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/ETag/);
    // errors carry the CORS headers too, or browsers could not read them
    expect((await one('x', {}, null)).headers['access-control-allow-origin']).toBe('*');
  });

  it('handles a 1 MB context, refuses a 3 MB body with 413 and survives deep nesting', async () => {
    const big = { targetingKey: 'u1', blob: 'x'.repeat(1024 * 1024 - 100) };
    const res = await bulk(big);
    expect(res.status).toBe(200);
    expect(res.body.flags.length).toBe(Object.keys(OFREP_FLAGS.flags).length);
    const huge = await t.request('POST', '/ofrep/v1/evaluate/flags/banner-colour', {
      rawBody: JSON.stringify({ context: { blob: 'x'.repeat(3 * 1024 * 1024) } }),
      token: sdk,
    });
    expect(huge.status).toBe(413);
    expect(huge.body.errorDetails).toBeTruthy();
    const deep = `{"context":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const nested = await t.request('POST', '/ofrep/v1/evaluate/flags', { rawBody: deep, token: sdk });
    expect([200, 400]).toContain(nested.status);
    if (nested.status === 400) expect(nested.body.errorCode).toMatch(/INVALID_CONTEXT|PARSE_ERROR/);
    expect((await one('banner-colour', {})).status).toBe(200);
  });
});
