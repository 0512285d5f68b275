/**
 * OFREP's one evaluation path (transport.ts), over a socket (the node:http listener ahead of
 * Fastify) and through inject (the Fastify routes handing over to it): every behaviour — content
 * types, bodies, tokens, `?environment=`, ETag/304, emergency header, CORS, request id — answered
 * with the same status, body bytes and headers both ways in; which requests the listener takes;
 * revoked tokens, 304 and metrics on the socket.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { isJsonType } from './json-body.js';
import { mountOfrep } from './ofrep.routes.js';
import { OFREP_FLAGS } from './test-support/flags.js';
import { evaluationTarget } from './transport.js';

interface Case {
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

const COMPARED = [
  'content-type',
  'content-length',
  'etag',
  'sluice-emergency',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'x-request-id',
];

describe('OFREP evaluations over HTTP', () => {
  let t: TestServer;
  let base: string;
  let sdk: string;
  let devSdk: string;

  const viaSocket = async ({ url, body, headers = {} }: Case) => {
    const res = await fetch(`${base}${url}`, { method: 'POST', headers, body });
    const text = await res.text();
    return {
      status: res.status,
      text,
      headers: Object.fromEntries(COMPARED.map((h) => [h, res.headers.get(h)])),
    };
  };
  const viaInject = async ({ url, body, headers = {} }: Case) => {
    const res = await t.server.app.fastify.inject({
      method: 'POST',
      url,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    const got = (h: string) => (res.headers[h] === undefined ? null : String(res.headers[h]));
    return {
      status: res.statusCode,
      text: res.body,
      headers: Object.fromEntries(COMPARED.map((h) => [h, got(h)])),
    };
  };
  const json = (token: string | null, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    'x-request-id': 'parity-1',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    const applied = await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [OFREP_FLAGS] },
    });
    expect(applied.status).toBe(200);
    sdk = await t.token(['sdk:production'], 'web-app');
    devSdk = await t.token(['sdk:development'], 'dev-app');
    base = await t.server.listen();
  });
  afterAll(async () => t?.close());

  it('answers alike through the socket and through inject', async () => {
    const ctx = JSON.stringify({ context: { targetingKey: 'u1', plan: 'premium' } });
    const etag = (await viaInject({ url: '/ofrep/v1/evaluate/flags', body: ctx, headers: json(sdk) })).headers
      .etag as string;
    const cases: Case[] = [
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: ctx, headers: json(sdk) },
      {
        url: '/ofrep/v1/evaluate/flags/layout',
        body: '{"context":{"targetingKey":"list-user"}}',
        headers: json(sdk),
      },
      { url: '/ofrep/v1/evaluate/flags/code-default', body: '{}', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/switched-off', body: 'null', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/no-such-flag', body: ctx, headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: '{"context":[1]}', headers: json(sdk) },
      {
        url: '/ofrep/v1/evaluate/flags/new-checkout',
        body: '{"context":{"targetingKey":7}}',
        headers: json(sdk),
      },
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: '{"context": {', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: '', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: '[1]', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/new-checkout', body: '"text"', headers: json(sdk) },
      {
        url: '/ofrep/v1/evaluate/flags/new-checkout',
        body: '{"context":{"__proto__":{"a":1}}}',
        headers: json(sdk),
      },
      {
        url: '/ofrep/v1/evaluate/flags/new-checkout',
        body: '{"context":{"\\u005f_proto__":{}}}',
        headers: json(sdk),
      },
      {
        url: '/ofrep/v1/evaluate/flags/new-checkout',
        body: '{"context":{"constructor":{"prototype":{"a":1}}}}',
        headers: json(sdk),
      },
      {
        url: '/ofrep/v1/evaluate/flags/new-checkout',
        body: '{"context":{"constructor":"x"}}',
        headers: json(sdk),
      },
      { url: '/ofrep/v1/evaluate/flags/banner-colour', body: '\ufeff{"context":{}}', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags/banner-colour', body: ctx, headers: json(null) },
      { url: '/ofrep/v1/evaluate/flags/banner-colour', body: ctx, headers: json('slc_000000000000_unknown') },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: ctx,
        headers: json(null, { authorization: 'Basic x' }),
      },
      { url: '/ofrep/v1/evaluate/flags/banner-colour', body: ctx, headers: json(null, { 'x-api-key': sdk }) },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour?environment=production',
        body: ctx,
        headers: json(devSdk),
      },
      { url: '/ofrep/v1/evaluate/flags/banner-colour', body: ctx, headers: json(devSdk) },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour?environment=production',
        body: ctx,
        headers: json(null, { authorization: 'Bearer test-admin-token-0123456789' }),
      },
      { url: '/ofrep/v1/evaluate/flags/banner-colour?environment=Not+A+Name', body: ctx, headers: json(sdk) },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour?environment=production&environment=x',
        body: ctx,
        headers: json(sdk),
      },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: ctx,
        headers: json(sdk, { 'content-type': 'Application/JSON; charset=UTF-8' }),
      },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: ctx,
        headers: json(sdk, { 'x-request-id': 'bad id!' }),
      },
      // content types: another one is a 415; no body and no type is an empty context
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: ctx,
        headers: json(sdk, { 'content-type': 'text/plain' }),
      },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: ctx,
        headers: json(sdk, { 'content-type': 'application/json; charset=latin1' }),
      },
      {
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        headers: { authorization: `Bearer ${sdk}`, 'x-request-id': 'parity-1' },
      },
      { url: '/ofrep/v1/evaluate/flags', body: ctx, headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags', body: ctx, headers: json(sdk, { 'if-none-match': etag }) },
      { url: '/ofrep/v1/evaluate/flags', body: ctx, headers: json(sdk, { 'if-none-match': '"stale"' }) },
      { url: '/ofrep/v1/evaluate/flags', body: '{"context":"user"}', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags', body: '{"context":', headers: json(sdk) },
      { url: '/ofrep/v1/evaluate/flags', body: ctx, headers: json(null) },
      {
        url: '/ofrep/v1/evaluate/flags',
        body: JSON.stringify({ context: { blob: 'é'.repeat(600_000) } }),
        headers: json(sdk),
      },
    ];
    for (const c of cases) {
      const [socket, injected] = await Promise.all([viaSocket(c), viaInject(c)]);
      const label = `${c.url} ${c.body?.slice(0, 60)} ${JSON.stringify(c.headers)}`;
      if (socket.headers['x-request-id'] !== 'parity-1') {
        // a new id on each side: compare that there is one
        expect(socket.headers['x-request-id'], label).toMatch(/^[0-9a-f-]{36}$/);
        injected.headers['x-request-id'] = socket.headers['x-request-id'] ?? null;
      }
      expect(socket, label).toEqual(injected);
    }
    // the emergency header, on answers and failures alike
    await t.request('POST', '/api/v1/environments/production/emergency-stop', { body: { reason: 'drill' } });
    for (const c of cases.slice(0, 8)) expect(await viaSocket(c)).toEqual(await viaInject(c));
    expect((await viaSocket(cases[0] as Case)).headers['sluice-emergency']).toBe(
      'active; environment=production',
    );
    await t.request('POST', '/api/v1/environments/production/emergency-clear');
  });

  it('refuses a token as soon as it is revoked', async () => {
    const created = await t.request('POST', '/api/v1/tokens', {
      body: { subject: 'soon-gone', scopes: ['sdk:production'] },
    });
    const ask = () =>
      viaSocket({
        url: '/ofrep/v1/evaluate/flags/banner-colour',
        body: '{}',
        headers: json(created.body.token),
      });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    expect((await t.request('POST', `/api/v1/tokens/${created.body.id}/revoke`)).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toEqual({ errorDetails: 'the token is unknown, revoked or expired' });
  });

  it('answers 304 to a matching If-None-Match with the ETag and no body', async () => {
    const body = '{"context":{"targetingKey":"u-304"}}';
    const first = await viaSocket({ url: '/ofrep/v1/evaluate/flags', body, headers: json(sdk) });
    expect(first.status).toBe(200);
    const again = await viaSocket({
      url: '/ofrep/v1/evaluate/flags',
      body,
      headers: json(sdk, { 'if-none-match': first.headers.etag as string }),
    });
    expect(again).toMatchObject({ status: 304, text: '', headers: { etag: first.headers.etag } });
    expect(again.headers['access-control-allow-origin']).toBe('*');
  });

  it('records its requests in the request-duration histogram, labelled by route', async () => {
    await viaSocket({ url: '/ofrep/v1/evaluate/flags/banner-colour', body: '{}', headers: json(sdk) });
    await viaSocket({ url: '/ofrep/v1/evaluate/flags/nothing-here', body: '{}', headers: json(sdk) });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /sluice_http_request_duration_seconds_count\{method="POST",route="\/ofrep\/v1\/evaluate\/flags\/:key",status="200"\} \d+/,
    );
    expect(metrics).toMatch(/route="\/ofrep\/v1\/evaluate\/flags\/:key",status="404"/);
  });
});

describe('what the listener ahead of Fastify takes', () => {
  it('recognises plain evaluation URLs, and JSON content types with any parameters', () => {
    expect(evaluationTarget('/ofrep/v1/evaluate/flags')).toEqual({ key: null, query: '' });
    expect(evaluationTarget('/ofrep/v1/evaluate/flags?environment=p')).toEqual({
      key: null,
      query: 'environment=p',
    });
    expect(evaluationTarget('/ofrep/v1/evaluate/flags/a.b:c_d-1')).toEqual({ key: 'a.b:c_d-1', query: '' });
    expect(evaluationTarget('/ofrep/v1/evaluate/flags/k?x=1')).toEqual({ key: 'k', query: 'x=1' });
    for (const url of [
      '/ofrep/v1/evaluate/flags/',
      '/ofrep/v1/evaluate/flags/a/b',
      '/ofrep/v1/evaluate/flags/a%2Fb',
      '/ofrep/v1/evaluate/flagsX',
      `/ofrep/v1/evaluate/flags/${'k'.repeat(513)}`,
      '/ofrep/v1/events',
      '/api/v1/flags',
    ])
      expect(evaluationTarget(url), url).toBeUndefined();
    expect(isJsonType('application/json')).toBe(true);
    expect(isJsonType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonType('Application/JSON;charset="UTF-8"')).toBe(true);
    expect(isJsonType(' application/json ; charset=latin1')).toBe(true);
    for (const type of ['text/plain', 'application/jsonx', 'application/vnd.api+json', ''])
      expect(isJsonType(type), type).toBe(false);
  });

  it('leaves percent-encoded URLs and preflights to Fastify, whose routes hand evaluations back', async () => {
    const t = await startTestServer('sqlite');
    try {
      await t.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
      const sdk = await t.token(['sdk:production']);
      const app = Fastify();
      let seenByFastify = 0;
      app.addHook('onRequest', async () => {
        seenByFastify++;
      });
      mountOfrep(app, {
        flagSets: t.server.flagSets,
        tokens: t.server.tokens,
        emergency: () => null,
        defaultEnvironment: () => 'production',
        bodyLimit: 1000,
      });
      const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/ofrep/v1/evaluate/flags`;
      const post = (path: string, body: string, type = 'application/json') =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sdk}`, 'content-type': type },
          body,
        });
      const fast = await post('/banner-colour', '{}');
      expect(await fast.json()).toMatchObject({ key: 'banner-colour', value: 'blue' });
      expect((await post('', '{}')).status).toBe(200);
      expect(seenByFastify).toBe(0);
      // over the limit: 413
      const big = JSON.stringify({ context: { blob: 'x'.repeat(2000) } });
      const tooBig = await post('/banner-colour', big);
      expect(tooBig.status).toBe(413);
      expect(await tooBig.json()).toEqual({ errorDetails: 'Request body is too large' });
      expect(seenByFastify).toBe(0);
      // another content type: 415 in OFREP's shape, with CORS
      const text = await post('/banner-colour', '{}', 'application/xml');
      expect(text.status).toBe(415);
      expect(await text.json()).toEqual({ errorDetails: 'Unsupported Media Type' });
      expect(text.headers.get('access-control-allow-origin')).toBe('*');
      expect(seenByFastify).toBe(0);
      // percent-encoded key: Fastify's router decodes it, the same exchange answers
      const encoded = await post('/banner%2Dcolour', '{}');
      expect(await encoded.json()).toMatchObject({ key: 'banner-colour', value: 'blue' });
      expect(encoded.headers.get('access-control-allow-origin')).toBe('*');
      expect(seenByFastify).toBe(1);
      const encodedBig = await post('/banner%2Dcolour', big);
      expect(encodedBig.status).toBe(413);
      expect(seenByFastify).toBe(2);
      const preflight = await fetch(`${url}/banner-colour`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(seenByFastify).toBe(3);
      await app.close();
    } finally {
      await t.close();
    }
  });
});
