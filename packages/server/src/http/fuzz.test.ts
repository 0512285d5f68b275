/**
 * Bad input changes nothing: random and schema-shaped bodies and query strings sent to every
 * route never get a 5xx, and whenever a request is refused the resource, audit and token rows
 * are exactly as before.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuditStore } from '../audit/audit-store.kysely.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createTokenStore } from '../tokens/token-store.kysely.js';
import type { AnyRoute } from './route.js';

async function rowCounts(t: TestServer) {
  const db = t.server.database.db;
  const resources = await db
    .selectFrom('sluice_resource')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return {
    resources: Number(resources.n),
    audit: await createAuditStore(db).count(),
    tokens: await createTokenStore(db).count(),
  };
}

/** Objects that use the body schema's own field names, with values of any type. */
function shapedBody(route: AnyRoute): fc.Arbitrary<unknown> {
  if (!route.body) return fc.jsonValue();
  const json = z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
  };
  const keys = Object.keys(json.properties ?? {});
  if (!keys.length) return fc.jsonValue();
  return fc.dictionary(fc.constantFrom(...keys, 'unexpected'), fc.jsonValue({ maxDepth: 3 }), {
    maxKeys: keys.length + 1,
  });
}

const queryValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.constantFrom('-1', '1e309', '', '%', 'true'),
);

describe('fuzzing every route', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => t?.close());

  it('never answers 5xx and never writes on a refused request', async () => {
    const routes = t.server.app.routes.filter((r) => r.method !== 'GET');
    let refused = 0;
    let sent = 0;
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(shapedBody(route), fc.jsonValue({ maxDepth: 4 })),
          fc.dictionary(fc.constantFrom('environment', 'limit', 'cursor', 'x'), queryValue, { maxKeys: 2 }),
          fc.constantFrom('probe', 'abcdefabcdef', 'A B', '..', 'x'.repeat(300)),
          async (body, query, name) => {
            const before = await rowCounts(t);
            const url = `${route.url.replace(/:[A-Za-z]+/g, encodeURIComponent(name))}?${new URLSearchParams(query)}`;
            const res = await t.request(route.method, url, { body });
            sent++;
            expect(res.status, `${route.method} ${url} ${JSON.stringify(body)} → ${res.text}`).toBeLessThan(
              500,
            );
            if (res.status >= 400) {
              refused++;
              expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
              expect(await rowCounts(t)).toEqual(before);
            }
          },
        ),
        { numRuns: 40 },
      );
    }
    // the generators produce bad input: nearly everything must have been refused
    expect(refused).toBeGreaterThan(sent * 0.9);
  });

  it('refuses malformed JSON, wrong content types and oversized bodies without writing', async () => {
    const before = await rowCounts(t);
    const malformed = await t.request('POST', '/api/v1/apply', { rawBody: '{"documents": [' });
    expect(malformed.status).toBe(400);
    const wrongType = await t.request('POST', '/api/v1/apply', {
      rawBody: 'documents=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    const huge = await t.request('POST', '/api/v1/apply', {
      rawBody: JSON.stringify({ documents: ['x'.repeat(3 * 1024 * 1024)] }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await rowCounts(t)).toEqual(before);
  });
});
