/** The pure mapping and ETag helpers. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@sluice/core';
import { compileFlagSet, evaluate, evaluateAll } from '@sluice/core/flags';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bulkEtag, contextProblem, etagMatches, toOfrep } from './results.js';

const set = compileFlagSet({
  metadata: { team: 'web' },
  flags: {
    on: { state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'yes' },
    none: { state: 'ENABLED', variants: { yes: true } },
  },
});

describe('toOfrep', () => {
  it('maps a value, the code default and failures', () => {
    expect(toOfrep('on', evaluate(set, 'on', 'boolean', false))).toEqual({
      status: 200,
      body: { key: 'on', value: true, variant: 'yes', reason: 'STATIC', metadata: { team: 'web' } },
    });
    expect(toOfrep('none', evaluate(set, 'none', 'boolean', false))).toEqual({
      status: 200,
      body: { key: 'none', reason: 'DEFAULT', metadata: { team: 'web' } },
    });
    expect(toOfrep('x', evaluate(set, 'x', 'boolean', false)).status).toBe(404);
    const mismatch = toOfrep('on', evaluate(set, 'on', 'string', ''));
    expect(mismatch).toMatchObject({ status: 400, body: { key: 'on', errorCode: 'TYPE_MISMATCH' } });
    const bulk = evaluateAll(set, {}).map((r) => toOfrep(r.key, r).body);
    expect(bulk.map((b) => b.key).sort()).toEqual(['none', 'on']);
  });
});

describe('contextProblem', () => {
  it('accepts objects and refuses everything else', () => {
    expect(contextProblem({})).toBeNull();
    expect(contextProblem({ targetingKey: 'u' })).toBeNull();
    for (const bad of [null, [], 'x', 1, true, { targetingKey: 1 }]) expect(contextProblem(bad)).toBeTruthy();
  });
});

describe('bulk ETag', () => {
  const context = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

  it('does not depend on the order of keys', () => {
    fc.assert(
      fc.property(context, (ctx) => {
        const reversed = Object.fromEntries(Object.entries(ctx).reverse());
        expect(bulkEtag('prod', 'd1', reversed)).toBe(bulkEtag('prod', 'd1', ctx));
      }),
    );
  });

  it('changes with the environment, the digest and the context', () => {
    fc.assert(
      fc.property(context, context, (a, b) => {
        const base = bulkEtag('prod', 'd1', a);
        expect(bulkEtag('dev', 'd1', a)).not.toBe(base);
        expect(bulkEtag('prod', 'd2', a)).not.toBe(base);
        if (canonicalJson(a) !== canonicalJson(b)) expect(bulkEtag('prod', 'd1', b)).not.toBe(base);
      }),
    );
  });

  it('is the hash of environment, digest and canonical context (the same tags as before)', () => {
    fc.assert(
      fc.property(context, (ctx) => {
        const hash = createHash('sha256').update('prod').update('\n').update('d1').update('\n');
        const expected = `"${hash.update(canonicalJson(ctx)).digest('base64url').slice(0, 27)}"`;
        expect(bulkEtag('prod', 'd1', ctx)).toBe(expected);
      }),
    );
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches(undefined, '"a"')).toBe(false);
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", W/"a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"ab"', '"a"')).toBe(false);
    expect(etagMatches(['"x"', '"a"'], '"a"')).toBe(true);
  });
});
