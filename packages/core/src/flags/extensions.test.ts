import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { compileFlagSet, evaluate } from './index.js';

function fieldsOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (isSluiceError(e, 'FLAG_DEFINITION_INVALID')) return e.fields;
    throw e;
  }
  return [];
}

const onOff = (extra: Record<string, unknown> = {}) => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  ...extra,
});

describe('percentage_rollout (the legacy feature service rollout)', () => {
  // The spec's own code (phase 4, section 3.1), verbatim in behaviour: the reference we must match.
  function legacySimpleHash(str: string): number {
    let hash = 0;
    for (let i = 0; i < str.length; i++) {
      hash = (hash << 5) - hash + str.charCodeAt(i);
      hash = hash & hash;
    }
    return Math.abs(hash);
  }
  const legacyEnabled = (userId: string | undefined, percentage: number) =>
    legacySimpleHash(userId || 'anonymous') % 100 < percentage;

  const setFor = (percentage: number, operator = 'percentage_rollout') =>
    compileFlagSet({
      flags: { legacy: onOff({ targeting: { if: [{ [operator]: [percentage] }, 'on', 'off'] } }) },
    });

  it('buckets users exactly as the legacy service did, for any user id (UTF-16) and percentage', () => {
    const sets = new Map<number, ReturnType<typeof setFor>>();
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'binary', maxLength: 16 }), { nil: undefined }),
        fc.integer({ min: 0, max: 100 }),
        (userId, pct) => {
          const set = sets.get(pct) ?? setFor(pct);
          sets.set(pct, set);
          const context = userId === undefined ? {} : { userId };
          expect(evaluate(set, 'legacy', 'boolean', false, context).value).toBe(legacyEnabled(userId, pct));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('falls back to targetingKey, then "anonymous"; accepts an explicit key', () => {
    const set = compileFlagSet({
      flags: {
        // boolean shorthand: the rule's true/false names the "true"/"false" variant
        byKey: onOff({
          variants: { true: true, false: false },
          defaultVariant: 'false',
          targeting: { percentage_rollout: [37] },
        }),
        explicit: onOff({
          variants: { true: true, false: false },
          defaultVariant: 'false',
          targeting: { percentage_rollout: [37, { cat: [{ var: '$flagd.flagKey' }, { var: 'userId' }] }] },
        }),
      },
      metadata: {},
    });
    for (const id of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      expect(evaluate(set, 'byKey', 'boolean', false, { targetingKey: id }).variant).toBe(
        legacyEnabled(id, 37) ? 'true' : 'false',
      );
      expect(evaluate(set, 'explicit', 'boolean', false, { userId: id }).variant).toBe(
        legacyEnabled(`explicit${id}`, 37) ? 'true' : 'false',
      );
    }
    expect(evaluate(set, 'byKey', 'boolean', true, {}).variant).toBe(
      legacyEnabled(undefined, 37) ? 'true' : 'false',
    );
  });

  it('still accepts its first name, seed_percentage, with the same answers (stored flags)', () => {
    for (const pct of [0, 1, 37, 99, 100]) {
      const renamed = setFor(pct);
      const stored = setFor(pct, 'seed_percentage');
      for (const userId of ['alice', 'bob', 'carol', '', 'ü-user', '42']) {
        const answer = evaluate(stored, 'legacy', 'boolean', false, { userId });
        expect(answer).toMatchObject({ value: legacyEnabled(userId, pct), reason: 'TARGETING_MATCH' });
        expect(answer).toEqual(evaluate(renamed, 'legacy', 'boolean', false, { userId }));
      }
    }
  });

  it('answers null (default variant) for a percentage that is not a number', () => {
    const set = compileFlagSet({
      flags: { f: onOff({ targeting: { percentage_rollout: [{ var: 'pct' }] } }) },
    });
    expect(evaluate(set, 'f', 'boolean', true, { pct: 'ten', userId: 'u' })).toMatchObject({
      reason: 'DEFAULT',
    });
  });
});

describe('prerequisites', () => {
  const doc = {
    flags: {
      checkout: onOff({ targeting: { if: [{ var: 'beta' }, 'on', 'off'] } }),
      payments: onOff({
        variants: { v1: 'v1', v2: 'v2' },
        defaultVariant: 'v1',
        targeting: { if: [{ '==': [{ var: 'country' }, 'de'] }, 'v2', 'v1'] },
        prerequisites: [{ flag: 'checkout', variants: ['on'] }],
      }),
      wallet: onOff({
        defaultVariant: null,
        targeting: { if: [{ var: 'beta' }, 'on'] },
        prerequisites: [{ flag: 'payments', variants: ['v2'] }],
      }),
      off: { ...onOff(), state: 'DISABLED' },
      needsOff: onOff({ prerequisites: [{ flag: 'off', variants: ['on', 'off'] }] }),
    },
  };
  const set = compileFlagSet(doc);

  it('evaluates the flag normally when every prerequisite is met', () => {
    expect(evaluate(set, 'payments', 'string', 'x', { beta: true, country: 'de' })).toMatchObject({
      value: 'v2',
      reason: 'TARGETING_MATCH',
    });
  });

  it('serves the default variant with reason PREREQUISITE_FAILED otherwise', () => {
    expect(evaluate(set, 'payments', 'string', 'x', { beta: false, country: 'de' })).toMatchObject({
      value: 'v1',
      variant: 'v1',
      reason: 'PREREQUISITE_FAILED',
    });
  });

  it('follows chains, and uses the caller default when there is no default variant', () => {
    expect(evaluate(set, 'wallet', 'boolean', false, { beta: true, country: 'de' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    const failed = evaluate(set, 'wallet', 'boolean', true, { beta: true, country: 'fr' });
    expect(failed).toMatchObject({ value: true, reason: 'PREREQUISITE_FAILED' });
    expect(failed.variant).toBeUndefined();
  });

  it('a disabled prerequisite resolves to no variant, so it is never met', () => {
    expect(evaluate(set, 'needsOff', 'boolean', true, {})).toMatchObject({ reason: 'PREREQUISITE_FAILED' });
  });

  it('rejects cycles at compile time, naming the cycle', () => {
    const cyclic = {
      flags: {
        a: onOff({ prerequisites: [{ flag: 'b', variants: ['on'] }] }),
        b: onOff({ prerequisites: [{ flag: 'a', variants: ['on'] }] }),
        self: onOff({ prerequisites: [{ flag: 'self', variants: ['on'] }] }),
      },
    };
    expect(fieldsOf(() => compileFlagSet(cyclic))).toEqual([
      { path: 'flags.a.prerequisites', message: 'prerequisite cycle: a -> b -> a' },
      { path: 'flags.self.prerequisites', message: 'prerequisite cycle: self -> self' },
    ]);
  });

  it('rejects prerequisites on missing flags or variants', () => {
    const bad = {
      flags: {
        a: onOff({
          prerequisites: [
            { flag: 'ghost', variants: ['on'] },
            { flag: 'b', variants: ['maybe'] },
          ],
        }),
        b: onOff(),
      },
    };
    expect(fieldsOf(() => compileFlagSet(bad))).toEqual([
      { path: 'flags.a.prerequisites[0].flag', message: 'no flag "ghost" in this set' },
      { path: 'flags.a.prerequisites[1].variants[0]', message: '"maybe" is not a variant of "b" (on, off)' },
    ]);
  });
});

describe('kill layer', () => {
  const set = compileFlagSet({
    flags: {
      banner: onOff({ defaultVariant: 'on', safeVariant: 'off', targeting: { if: [{ var: 'beta' }, 'on'] } }),
      plain: onOff({ defaultVariant: 'on' }),
      colour: onOff({ variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red', safeVariant: 'blue' }),
    },
  });
  const killed = { killed: new Set(['banner', 'plain']) };

  it('a killed flag serves its safe variant, named, with reason DISABLED', () => {
    expect(evaluate(set, 'banner', 'boolean', true, { beta: true }, { overlay: killed })).toEqual({
      value: false,
      variant: 'off',
      reason: 'DISABLED',
      flagMetadata: {},
    });
  });

  it('a killed flag without a safe variant behaves as a flagd DISABLED flag', () => {
    const result = evaluate(set, 'plain', 'boolean', false, {}, { overlay: killed });
    expect(result).toEqual({ value: false, reason: 'DISABLED', flagMetadata: {} });
  });

  it('emergency kills every flag; other flags are untouched by a kill list', () => {
    expect(evaluate(set, 'colour', 'string', 'x', {}, { overlay: killed })).toMatchObject({
      value: 'red',
      reason: 'STATIC',
    });
    expect(evaluate(set, 'colour', 'string', 'x', {}, { overlay: { emergency: true } })).toMatchObject({
      value: 'blue',
      variant: 'blue',
      reason: 'DISABLED',
    });
  });

  it('still checks the type of the safe variant', () => {
    expect(evaluate(set, 'colour', 'boolean', true, {}, { overlay: { emergency: true } })).toMatchObject({
      value: true,
      errorCode: 'TYPE_MISMATCH',
    });
  });
});

describe('segments', () => {
  const segments = {
    beta: { in: [{ var: 'email' }, ['ann@acme.org', 'bo@acme.org']] },
    germany: { '==': [{ var: 'country' }, 'de'] },
  };
  const set = compileFlagSet(
    {
      flags: {
        viaSegment: onOff({ targeting: { if: [{ segment: 'beta' }, 'on', 'off'] } }),
        viaRef: onOff({ targeting: { if: [{ $ref: 'germany' }, 'on', 'off'] } }),
        inIterator: onOff({
          targeting: { if: [{ some: [{ var: 'items' }, { segment: 'germany' }] }, 'on', 'off'] },
        }),
      },
    },
    { segments },
  );

  it('is usable as {"segment": name} and as {"$ref": name}', () => {
    expect(evaluate(set, 'viaSegment', 'boolean', false, { email: 'ann@acme.org' }).value).toBe(true);
    expect(evaluate(set, 'viaSegment', 'boolean', false, { email: 'x@acme.org' }).value).toBe(false);
    expect(evaluate(set, 'viaRef', 'boolean', false, { country: 'de' }).value).toBe(true);
  });

  it('always reads the whole context, even inside an iterator', () => {
    expect(evaluate(set, 'inIterator', 'boolean', false, { country: 'de', items: [1] }).value).toBe(true);
    expect(evaluate(set, 'inIterator', 'boolean', false, { country: 'fr', items: [1] }).value).toBe(false);
  });

  it('rejects unknown segments, segments in segments and invalid segment rules', () => {
    expect(
      fieldsOf(() =>
        compileFlagSet({ flags: { a: onOff({ targeting: { segment: 'nope' } }) } }, { segments }),
      ),
    ).toEqual([{ path: 'flags.a.targeting.segment', message: 'no segment "nope"' }]);
    expect(
      fieldsOf(() => compileFlagSet({ flags: {} }, { segments: { a: { segment: 'b' }, b: { var: 'x' } } })),
    ).toEqual([{ path: 'segments.a.segment', message: 'segments cannot use other segments ("b")' }]);
    expect(fieldsOf(() => compileFlagSet({ flags: {} }, { segments: { a: { like: ['x'] } } }))).toEqual([
      { path: 'segments.a', message: 'unknown JsonLogic operation "like"' },
    ]);
  });
});
