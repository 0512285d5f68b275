import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, closest, slugify } from './canonical.js';

describe('canonicalJson', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });
  it('keeps a key named __proto__ as data', () => {
    const v = JSON.parse('{"a":{"__proto__":{"x":1}}}');
    expect(canonicalJson(v)).toBe('{"a":{"__proto__":{"x":1}}}');
  });
  it('round-trips any JSON value to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});

describe('slugify', () => {
  it('derives resource names from display names', () => {
    expect(slugify('Multi-Stage Feature Release')).toBe('multi-stage-feature-release');
    expect(slugify('  Checkout Flow Redesign!! ')).toBe('checkout-flow-redesign');
    expect(slugify('Café Menu')).toBe('cafe-menu');
  });
});

describe('closest', () => {
  it('suggests a near key and nothing for a far one', () => {
    expect(closest('strategi', ['strategy', 'stages', 'gates'])).toBe('strategy');
    expect(closest('zzzzzz', ['strategy', 'stages'])).toBeNull();
  });
});
