import { describe, expect, it } from 'vitest';
import { compileFlagSet, evaluate } from './index.js';
import { referenceCore, referenceEvaluate } from './test-support/reference.js';

/**
 * The reference's JsonLogic quirks, pinned one by one (the differential test finds them at random;
 * these say what they are). Each case is checked against our engine and against flagd-core.
 */

const variants = { a: 'a', b: 'b', d: 'd', nulla: 'nulla' };

function both(targeting: unknown, context: Record<string, unknown>) {
  const doc = { flags: { f: { state: 'ENABLED', variants, defaultVariant: 'b', targeting } } };
  const ours = evaluate(compileFlagSet(doc, { mode: 'flagd' }), 'f', 'string', 'x', context);
  const theirs = referenceEvaluate(referenceCore(doc), 'f', 'string', 'x', context);
  expect({ value: ours.value, reason: ours.reason, errorCode: ours.errorCode }).toEqual({
    value: theirs.value,
    reason: theirs.reason,
    errorCode: theirs.errorCode,
  });
  return ours;
}

describe('JsonLogic as flagd-core evaluates it', () => {
  it('var default: applies to null in generated code, not in the interpreter (2-operand if)', () => {
    expect(both({ if: [true, { var: ['x', 'd'] }, 'a'] }, { x: null }).value).toBe('d');
    // a 2-operand `if` is not compiled, so its branches are interpreted: null stays null → default variant
    expect(both({ if: [{ var: 'go' }, { var: ['x', 'd'] }] }, { go: true, x: null })).toMatchObject({
      value: 'b',
      reason: 'DEFAULT',
    });
  });

  it('cat: null becomes "null" in generated code and is skipped by the interpreter', () => {
    expect(both({ if: [true, { cat: [{ var: 'missing' }, 'a'] }, 'b'] }, {}).value).toBe('nulla');
    expect(both({ if: [{ var: 'go' }, { cat: [{ var: 'missing' }, 'a'] }] }, { go: 1 }).value).toBe('a');
  });

  it('==: a number against a non-numeric string fails, unless the right side overwrote `prev`', () => {
    expect(both({ if: [{ '==': [{ var: 'n' }, 'abc'] }, 'a', 'b'] }, { n: 5 })).toMatchObject({
      errorCode: 'GENERAL',
    });
    // the right operand's generated code assigns `prev`, so the check compares it with itself
    expect(both({ if: [{ '==': [{ var: 'n' }, { var: 's' }] }, 'a', 'b'] }, { n: 5, s: 'abc' }).value).toBe(
      'b',
    );
  });

  it('null == 0 is true; "" == 0 is true', () => {
    expect(both({ if: [{ '==': [{ var: 'none' }, 0] }, 'a', 'b'] }, {}).value).toBe('a');
    expect(both({ if: [{ '==': [{ var: 's' }, 0] }, 'a', 'b'] }, { s: '' }).value).toBe('a');
  });

  it('a constant that always fails is a PARSE_ERROR when compiled, GENERAL when interpreted', () => {
    expect(both({ if: [{ '<': ['abc', 1] }, 'a', 'b'] }, {})).toMatchObject({ errorCode: 'PARSE_ERROR' });
    expect(
      both({ if: [{ var: 'go' }, { if: [{ '<': ['abc', 1] }, 'a', 'b'] }] }, { go: true }),
    ).toMatchObject({
      errorCode: 'GENERAL',
    });
    expect(
      both({ if: [{ var: 'go' }, { if: [{ '<': ['abc', 1] }, 'a', 'b'] }] }, { go: false }),
    ).toMatchObject({
      reason: 'DEFAULT',
    });
  });

  it('!: an array value means its first element when interpreted', () => {
    expect(both({ if: [{ '!': [{ var: 'tags' }] }, 'a', 'b'] }, { tags: [0] }).value).toBe('b');
    expect(
      both({ if: [{ var: 'go' }, { if: [{ '!': [{ var: 'tags' }] }, 'a', 'b'] }] }, { go: 1, tags: [0] })
        .value,
    ).toBe('a');
  });

  it('a targeting result names its variant with toString: true → "true", 1 → "1"', () => {
    expect(both({ if: [true, 1, 'b'] }, {})).toMatchObject({ errorCode: 'GENERAL' });
    expect(both({ if: [{ var: 'x' }, 'a'] }, { x: [] })).toMatchObject({ reason: 'DEFAULT' });
  });
});
