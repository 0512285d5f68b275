/** The translation against the seed's own evaluation, for random configurations and users. */
import { compileFlagSet, evaluate } from '@sluice/core/flags';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeatureApiFlag, publicConfigOf, toFlagDefinition } from './feature-flag.js';
import { evaluateFlag } from './test-support/reference-evaluation.js';

const config = fc.record(
  {
    enabled: fc.boolean(),
    percentage: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
    userWhitelist: fc.array(fc.constantFrom('vip-1', 'vip-2', 'u-3', ''), { maxLength: 3 }),
    public: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);
const user = fc.oneof(fc.constantFrom('vip-1', 'u-3', undefined), fc.string({ maxLength: 20 }));

function sluice(c: FeatureApiFlag, userId: string | undefined): boolean {
  const set = compileFlagSet({ flags: { f: toFlagDefinition(c) } });
  const context = userId !== undefined ? { userId, targetingKey: userId } : {};
  const result = evaluate(set, 'f', 'boolean', false, context);
  expect(result.errorCode).toBeUndefined();
  return result.value;
}

describe('seed flag translation', () => {
  it('gives every user what the seed gave them, except that enabled: false always wins', () => {
    fc.assert(
      fc.property(config, user, (c, userId) => {
        const expected = c.enabled === false ? false : evaluateFlag(c, { userId });
        expect(sluice(c as FeatureApiFlag, userId)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('buckets a percentage rollout like the seed, user by user', () => {
    for (const percentage of [1, 10, 33, 50, 99]) {
      let on = 0;
      for (let i = 0; i < 500; i++) {
        const userId = `user-${i}`;
        const got = sluice({ enabled: true, percentage }, userId);
        expect(got).toBe(evaluateFlag({ percentage }, { userId }));
        if (got) on++;
      }
      // both outcomes occur, so the comparison above can fail
      expect(on).toBeGreaterThan(0);
      expect(on).toBeLessThan(500);
    }
  });

  it('keeps the public config in metadata and reads it back', () => {
    const definition = toFlagDefinition({ enabled: true, public: { theme: 'dark', n: [1, 2] } });
    expect(publicConfigOf(definition.metadata)).toEqual({ theme: 'dark', n: [1, 2] });
    expect(publicConfigOf({})).toEqual({});
    expect(publicConfigOf({ seedConfig: '{not json' })).toEqual({});
  });
});
