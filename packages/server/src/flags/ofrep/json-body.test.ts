/**
 * The fast path's JSON parsing against the parser Fastify uses (secure-json-parse, Fastify's own
 * dependency, with Fastify's options): the same texts are accepted, to the same values, and the
 * same are refused.
 */
import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.js';

const fastify = (text: string) => {
  try {
    return { value: sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown };
  } catch {
    return { error: true };
  }
};
const ours = (text: string) => {
  const parsed = parseJsonBody(text);
  return 'error' in parsed ? { error: true } : { value: parsed.value };
};

const suspicious = fc.constantFrom(
  '__proto__',
  '\\u005f_proto__',
  'constructor',
  'prototype',
  'c\\u006fnstructor',
  'a',
);
/** JSON text with keys that look like prototype pollution, at any depth, escaped or not. */
const text: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', '"x"', 'null', 'true', '[]', '{}'),
    fc
      .array(fc.tuple(suspicious, tie('node')), { maxLength: 3 })
      .map((entries) => `{${entries.map(([k, v]) => `"${k}" : ${v}`).join(',')}}`),
    fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
})).node;

describe('parseJsonBody', () => {
  it('accepts and refuses what Fastify does', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(ours(t)).toEqual(fastify(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses empty and malformed bodies and drops a BOM', () => {
    for (const t of ['', '{', '{"a":}', 'undefined'])
      expect('error' in parseJsonBody(t), JSON.stringify(t)).toBe(true);
    expect(parseJsonBody('\ufeff{"a":1}')).toEqual({ value: { a: 1 } });
    expect(parseJsonBody('{"constructor":{"prototype":null}}')).toHaveProperty('error');
    expect(parseJsonBody('{"constructor":{"x":1}}')).toEqual({ value: { constructor: { x: 1 } } });
  });
});
