/**
 * OFREP's JSON body parsing (secure-json-parse with Fastify's options): what it refuses and
 * how. That it answers as Fastify does, byte for byte, is transport.test.ts's side-by-side check.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.js';

describe('parseJsonBody', () => {
  it('refuses empty and malformed bodies with Fastify messages and drops a BOM', () => {
    expect(parseJsonBody('')).toEqual({
      error: {
        statusCode: 400,
        message: "Body cannot be empty when content-type is set to 'application/json'",
      },
    });
    for (const t of ['{', '{"a":}', 'undefined'])
      expect(parseJsonBody(t), JSON.stringify(t)).toEqual({
        error: {
          statusCode: 400,
          message: "Body is not valid JSON but content-type is set to 'application/json'",
        },
      });
    expect(parseJsonBody('\ufeff{"a":1}')).toEqual({ value: { a: 1 } });
  });

  it('refuses prototype pollution, escaped or nested, and keeps harmless look-alikes', () => {
    for (const t of [
      '{"__proto__":{"x":1}}',
      '{"a":[{"\\u005f_proto__":1}]}',
      '{"constructor":{"prototype":null}}',
      '{"c\\u006fnstructor":{"prototype":{}}}',
    ])
      expect(parseJsonBody(t), t).toHaveProperty('error');
    expect(parseJsonBody('{"constructor":{"x":1}}')).toEqual({ value: { constructor: { x: 1 } } });
    expect(parseJsonBody('{"proto":1,"prototype":2}')).toEqual({ value: { proto: 1, prototype: 2 } });
  });
});
