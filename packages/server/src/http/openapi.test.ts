/**
 * The served OpenAPI document is valid OpenAPI 3.1 by a validator other than the code that
 * writes it (swagger-parser: the specification's schema, then every `$ref` dereferenced), so a
 * client generator or a gateway reading it finds every schema it points at.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer('sqlite');
});
afterAll(() => t?.close());

describe('the OpenAPI document', () => {
  it('validates, and every $ref in it resolves within it', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const refs = [...res.text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(10);
    // zod's per-schema `#/$defs/…` would point at the document's root, where nothing is
    expect(refs.filter((r) => !r.startsWith('#/components/schemas/'))).toEqual([]);
    const schemas = Object.keys(res.body.components.schemas);
    expect(refs.filter((r) => !schemas.includes(r.slice('#/components/schemas/'.length)))).toEqual([]);
    // validate() checks the document against the 3.1 schema and dereferences every $ref
    const validated = await SwaggerParser.validate(structuredClone(res.body));
    expect((validated as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it('describes OFREP beside the /api/v1 table, with its own error shapes', async () => {
    const { paths } = (await t.request('GET', '/api/v1/openapi.json', { token: null })).body;
    expect(Object.keys(paths['/ofrep/v1/evaluate/flags/{key}'])).toEqual(['post']);
    expect(Object.keys(paths['/ofrep/v1/evaluate/flags'])).toEqual(['post']);
    expect(Object.keys(paths['/ofrep/v1/events'])).toEqual(['get']);
    const single = paths['/ofrep/v1/evaluate/flags/{key}'].post;
    expect(Object.keys(single.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '413', '415']),
    );
    expect(JSON.stringify(single.responses)).not.toMatch(/problem\+json/);
    expect(Object.keys(paths['/ofrep/v1/evaluate/flags'].post.responses)).toContain('304');
  });

  it('is refused by the same validator when a $ref points nowhere (the check can fail)', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json', { token: null });
    const broken = structuredClone(res.body);
    broken.paths['/api/v1/whoami'].get.responses['200'].content['application/json'].schema = {
      $ref: '#/$defs/Nowhere',
    };
    await expect(SwaggerParser.validate(broken)).rejects.toThrow(/Nowhere|resolve|\$defs/i);
  });
});
