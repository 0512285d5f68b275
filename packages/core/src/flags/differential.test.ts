import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileFlagSet, evaluate } from './index.js';
import { askArb, flagSetArb, TYPES } from './test-support/generators.js';
import { referenceCore, referenceEvaluate } from './test-support/reference.js';
import type { FlagValueType, JsonValue } from './types.js';

/**
 * Differential test: generated (flag set, context) pairs evaluated by this engine and by
 * @openfeature/flagd-core must agree on value, variant, reason, error code and metadata.
 */

const NOW_SECONDS = 1_750_000_000;
const DEFAULTS: Record<FlagValueType, JsonValue> = {
  boolean: false,
  string: 'dflt',
  number: -7,
  object: { d: 1 },
};
const RUNS_PER_CASE = 550;
let pairs = 0;
const outcomes = new Map<string, number>();

function project(r: {
  value: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  flagMetadata?: unknown;
}) {
  return {
    value: r.value,
    variant: r.variant,
    reason: r.reason,
    errorCode: r.errorCode,
    flagMetadata: r.flagMetadata,
  };
}

const property = fc.property(flagSetArb, fc.array(askArb, { minLength: 12, maxLength: 24 }), (doc, asks) => {
  const ours = compileFlagSet(doc, { mode: 'flagd' });
  const reference = referenceCore(doc);
  const flags = doc.flags as Record<string, { variants: Record<string, unknown> }>;
  const keys = Object.keys(flags);
  asks.forEach(({ context, pick }, i) => {
    for (const key of i === 0 ? [...keys, 'no-such-flag'] : keys) {
      const variants = flags[key]?.variants;
      const natural = variants ? (typeof Object.values(variants)[0] as FlagValueType) : 'string';
      const type = pick < 4 ? natural : TYPES[pick - 4]!;
      const fallback = DEFAULTS[type];
      const expected = project(referenceEvaluate(reference, key, type, fallback, context));
      const actual = project(evaluate(ours, key, type, fallback as never, context, { now: NOW_SECONDS }));
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        expect({ key, type, context, actual }).toEqual({ key, type, context, actual: expected });
      }
      pairs++;
      const outcome = `${expected.reason}${expected.errorCode ? `/${expected.errorCode}` : ''}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  });
});

describe('differential test against @openfeature/flagd-core', () => {
  beforeAll(() => {
    // flagd-core reads the clock itself; pin it to the `now` we pass to our engine
    vi.spyOn(Date, 'now').mockReturnValue(NOW_SECONDS * 1000 + 123);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  for (let part = 1; part <= 5; part++) {
    it(`agrees on generated flag sets and contexts (part ${part}/5)`, () => {
      fc.assert(property, { numRuns: RUNS_PER_CASE });
    });
  }

  it('covered at least 100,000 (flag, context) pairs, reaching every kind of outcome', () => {
    expect(pairs).toBeGreaterThanOrEqual(100_000);
    const kinds = [...outcomes.keys()].sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'DEFAULT',
        'DISABLED',
        'ERROR/FLAG_NOT_FOUND',
        'ERROR/GENERAL',
        'ERROR/PARSE_ERROR',
        'ERROR/TYPE_MISMATCH',
        'STATIC',
        'TARGETING_MATCH',
      ]),
    );
    // each kind is common enough to matter, not a one-off
    for (const kind of kinds) expect(outcomes.get(kind)).toBeGreaterThan(100);
  });
});
