/**
 * parseJsonBody takes shortcuts (no depth scan for short text, JSON.parse alone for text without
 * a suspect key): it must answer exactly as the plain rule — depth scan, then secure-json-parse
 * with Fastify's options — for any text, valid or not.
 */
import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { jsonTooDeep, MAX_JSON_DEPTH, parseJsonBody } from './json-parse.js';

function byTheRule(text: string): unknown {
  if (text.length === 0) return 'empty';
  if (jsonTooDeep(text)) return 'too deep';
  try {
    return { value: sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) };
  } catch {
    return 'invalid';
  }
}

function asParsed(text: string): unknown {
  const parsed = parseJsonBody(text);
  if ('value' in parsed) return parsed;
  if (parsed.error.message.startsWith('Body cannot be empty')) return 'empty';
  return parsed.error.message.includes('levels deep') ? 'too deep' : 'invalid';
}

/** Pieces that steer text towards every branch: suspect keys in each spelling, brackets, a BOM. */
const piece = fc.constantFrom(
  '{"__proto__":{"x":1}}',
  '{"\\u005f_proto__":1}',
  '{"constructor":{"prototype":{}}}',
  '{"c\\u006fnstructor":{"prototype":1}}',
  '{"constructor":{"x":1}}',
  '"__proto__"',
  '"\\u0041"',
  '\ufeff',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '"',
  '\\',
  '1',
  'null',
);

describe('parseJsonBody', () => {
  it('answers as the plain rule for any JSON value, spliced with suspect keys, brackets and garbage', () => {
    const text = fc.oneof(
      fc.json(),
      fc.tuple(fc.json(), piece, fc.nat()).map(([json, p, at]) => {
        const cut = at % (json.length + 1);
        return json.slice(0, cut) + p + json.slice(cut);
      }),
      fc.array(piece, { maxLength: 12 }).map((ps) => ps.join('')),
      fc
        .tuple(fc.integer({ min: 60, max: 70 }), fc.boolean())
        .map(([depth, closed]) => '['.repeat(depth) + (closed ? ']'.repeat(depth) : '')),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(asParsed(t)).toEqual(byTheRule(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses nesting past the limit with the depth message, however short the text', () => {
    const open = '['.repeat(MAX_JSON_DEPTH + 1);
    expect(asParsed(open)).toBe('too deep');
    expect(asParsed(`${open}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe('too deep');
    const deepest = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(parseJsonBody(deepest)).toHaveProperty('value');
  });
});
