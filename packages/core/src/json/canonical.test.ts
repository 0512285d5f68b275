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
  it('gives the same text whether or not the value is already in canonical order', () => {
    // the general form: a sorted copy at every depth, then JSON.stringify
    const sorted = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sorted);
      if (v === null || typeof v !== 'object') return v;
      const out: Record<string, unknown> = Object.create(null);
      for (const k of Object.keys(v).sort()) {
        const inner = (v as Record<string, unknown>)[k];
        if (inner !== undefined) out[k] = sorted(inner);
      }
      return out;
    };
    const samples: unknown[] = [
      { targetingKey: 'user-1' },
      { a: 1, b: { c: [1, { d: 2, e: 3 }] } },
      { '1': 'x', '10': 'y', '2': 'z', a: 1 },
      { '10': 1, '9': 2 },
      { a: undefined, b: 1 },
      { when: new Date(0) },
      { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } },
    ];
    for (const v of samples) expect(canonicalJson(v)).toBe(JSON.stringify(sorted(v)));
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(sorted(v)));
      }),
    );
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
