/** Precomputed JSON equals JSON.stringify of the answer objects, over generated flags and results. */
import { compileFlagSet, evaluate, evaluateAll, type FlagValueType } from '@sluice/core/flags';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bulkJson, evaluationJson } from './fragments.js';
import type { BulkEvaluationSuccess } from './ofrep.schema.js';
import { toOfrep } from './results.js';

const name = fc.constantFrom('on', 'off', 'red', 'blue', 'a-b', 'ünï', 'x"y', '1');
const value = fc.oneof(
  fc.boolean(),
  fc.string({ maxLength: 6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const metadata = fc.dictionary(
  fc.constantFrom('team', 'owner', 'tier', 'é'),
  fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()),
  { maxKeys: 2 },
);

/** A flag: same-typed variants, maybe a default, maybe targeting that names a missing variant. */
const flag = fc
  .record({
    type: fc.constantFrom('boolean', 'string', 'number', 'object'),
    names: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
    values: fc.array(value, { minLength: 4, maxLength: 4 }),
    state: fc.constantFrom('ENABLED', 'ENABLED', 'DISABLED'),
    withDefault: fc.boolean(),
    targeting: fc.constantFrom('none', 'tier', 'missing-variant'),
    metadata,
  })
  .map(({ type, names, values, state, withDefault, targeting, metadata }) => {
    const pick = (v: unknown, i: number) =>
      type === 'boolean' ? i % 2 === 0 : type === 'string' ? `s${i}` : type === 'number' ? i + 0.5 : v;
    const variants = Object.fromEntries(names.map((n, i) => [n, pick(values[i], i)]));
    return {
      state,
      variants,
      ...(withDefault ? { defaultVariant: names[0] } : {}),
      ...(targeting === 'tier'
        ? { targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, names.at(-1), null] } }
        : targeting === 'missing-variant'
          ? { targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'nope', null] } }
          : {}),
      ...(Object.keys(metadata).length ? { metadata } : {}),
    };
  });

const flagSet = fc.record({
  flags: fc.dictionary(fc.constantFrom('f1', 'f2', 'f3', 'new-checkout', 'a.b:c_d'), flag, {
    minKeys: 1,
    maxKeys: 5,
  }),
  metadata,
});
const context = fc.record({ tier: fc.constantFrom('gold', 'silver'), targetingKey: fc.constantFrom('u1') });
const overlay = fc.record({ emergency: fc.boolean(), killed: fc.constantFrom([], ['f1'], ['f2', 'f3']) });

describe('evaluationJson', () => {
  it('is JSON.stringify(toOfrep(key, result).body), cached or not', () => {
    fc.assert(
      fc.property(flagSet, context, overlay, (doc, ctx, over) => {
        const set = compileFlagSet(doc, { mode: 'flagd' });
        const options = { overlay: { emergency: over.emergency, killed: new Set(over.killed) } };
        for (const key of [...set.flags.keys(), 'missing']) {
          const result = evaluate(set, key, 'any' as FlagValueType, undefined as never, ctx, options);
          const expected = JSON.stringify(toOfrep(key, result as never).body);
          expect(evaluationJson(key, result as never)).toBe(expected);
          expect(evaluationJson(key, result as never)).toBe(expected); // from the cache
          // the same result object read under another key is not served from the cache
          expect(evaluationJson(`${key}-2`, result as never)).toBe(
            JSON.stringify(toOfrep(`${key}-2`, result as never).body),
          );
        }
        for (const result of evaluateAll(set, ctx, options))
          expect(evaluationJson(result.key, result)).toBe(JSON.stringify(toOfrep(result.key, result).body));
      }),
      { numRuns: 300 },
    );
  });

  it('never caches a result that can still change', () => {
    const mutable = { value: { n: 1 }, variant: 'v', reason: 'STATIC' as const, flagMetadata: {} };
    expect(evaluationJson('k', mutable)).toBe('{"key":"k","value":{"n":1},"reason":"STATIC","variant":"v"}');
    mutable.value.n = 2;
    expect(evaluationJson('k', mutable)).toBe('{"key":"k","value":{"n":2},"reason":"STATIC","variant":"v"}');
  });
});

describe('bulkJson', () => {
  it('is JSON.stringify of the bulk answer object', () => {
    fc.assert(
      fc.property(flagSet, context, (doc, ctx) => {
        const set = compileFlagSet(doc, { mode: 'flagd' });
        const results = evaluateAll(set, ctx);
        const eventStreams: BulkEvaluationSuccess['eventStreams'] = [
          {
            type: 'sse',
            endpoint: { requestUri: '/ofrep/v1/events?environment=p&token=t' },
            inactivityDelaySec: 120,
          },
        ];
        const body: BulkEvaluationSuccess = {
          flags: results.map((r) => toOfrep(r.key, r).body),
          eventStreams,
        };
        if (Object.keys(set.metadata).length)
          body.metadata = set.metadata as BulkEvaluationSuccess['metadata'];
        const parts = results.map((r) => evaluationJson(r.key, r));
        expect(bulkJson(parts, JSON.stringify(eventStreams), set.metadata)).toBe(JSON.stringify(body));
      }),
      { numRuns: 200 },
    );
  });
});
