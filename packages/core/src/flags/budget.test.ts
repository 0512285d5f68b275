import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import {
  compileFlagSet,
  evaluate,
  MAX_ARRAY_ITEMS,
  MAX_EVALUATION_COST,
  MAX_FLAG_OPERATIONS,
  MAX_SET_OPERATIONS,
} from './index.js';

/**
 * The cost budget (budget.ts, README "Cost budget"): rules whose work grows faster than their
 * size are refused when written, in every mode, and stopped when they run.
 */

const flag = (targeting: unknown, variants: Record<string, unknown> = { on: true, off: false }) => ({
  state: 'ENABLED',
  variants,
  defaultVariant: Object.keys(variants)[1] ?? Object.keys(variants)[0],
  targeting,
});

function refusal(doc: unknown): { path: string; message: string }[] {
  try {
    compileFlagSet(doc);
  } catch (e) {
    if (isSluiceError(e, 'FLAG_DEFINITION_INVALID')) return e.fields;
    throw e;
  }
  return [];
}

const accumulator = { var: 'accumulator' };
/** Each step doubles the accumulator: 2^n items after n steps. */
const doubling = (list: unknown) => ({ reduce: [list, { merge: [accumulator, accumulator] }, [1]] });

describe('the cost budget', () => {
  it('refuses the 206-byte flag that froze the process (reduce + merge doubling), in both modes', () => {
    const targeting = { if: [{ in: [1, doubling(Array.from({ length: 29 }, (_, i) => i))] }, 'on', 'off'] };
    expect(JSON.stringify(targeting).length).toBeLessThan(220);
    const doc = { flags: { bomb: flag(targeting) } };
    const fields = refusal(doc);
    expect(fields).toHaveLength(1);
    expect(fields[0]!.path).toMatch(/^flags\.bomb\.targeting\.if\[0\]/);
    expect(fields[0]!.message).toMatch(/exceeds its cost budget of 100,000 work units/);

    const set = compileFlagSet(doc, { mode: 'flagd' });
    expect(set.problems.map((p) => [p.flag, p.kind])).toEqual([['bomb', 'refused']]);
    expect(evaluate(set, 'bomb', 'boolean', false, {})).toMatchObject({
      reason: 'ERROR',
      errorCode: 'PARSE_ERROR',
    });
  });

  it('stops a rule that grows from the context at evaluation (GENERAL), and lets small inputs through', () => {
    const set = compileFlagSet({
      flags: { grow: flag({ if: [{ in: [1, doubling({ var: 'xs' })] }, 'on', 'off'] }) },
    });
    const small = evaluate(set, 'grow', 'boolean', false, { xs: [1, 2, 3] });
    expect(small).toMatchObject({ value: true, variant: 'on' });
    const big = evaluate(set, 'grow', 'boolean', false, { xs: Array.from({ length: 40 }, (_, i) => i) });
    expect(big).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
    expect(big.errorMessage).toMatch(/cost budget/);
  });

  it('charges iterators per element: a context list past the budget is refused, one inside is not', () => {
    const set = compileFlagSet({
      flags: { any: flag({ if: [{ some: [{ var: 'ids' }, { '==': [{ var: '' }, 7] }] }, 'on', 'off'] }) },
    });
    const within = Array.from({ length: MAX_EVALUATION_COST - 10 }, (_, i) => i);
    expect(evaluate(set, 'any', 'boolean', false, { ids: within })).toMatchObject({ value: true });
    const past = Array.from({ length: MAX_EVALUATION_COST + 1 }, () => 0);
    expect(evaluate(set, 'any', 'boolean', false, { ids: past })).toMatchObject({ errorCode: 'GENERAL' });
  });

  it('refuses a string doubled by cat in a reduce', () => {
    const cat = { reduce: [Array.from({ length: 30 }, () => 0), { cat: [accumulator, accumulator] }, 'ab'] };
    expect(refusal({ flags: { s: flag({ if: [{ '==': [cat, 'x'] }, 'on', 'off'] }) } })[0]?.message).toMatch(
      /cost budget/,
    );
  });

  it(`refuses a rule of more than ${MAX_FLAG_OPERATIONS} operations`, () => {
    const many = { or: Array.from({ length: MAX_FLAG_OPERATIONS }, (_, i) => ({ '==': [{ var: 'n' }, i] })) };
    const fields = refusal({ flags: { big: flag({ if: [many, 'on', 'off'] }) } });
    expect(fields.map((f) => f.message)).toEqual([`the rule has more than 10,000 operations`]);
  });

  it(`counts a shared rule once per use: a set of more than ${MAX_SET_OPERATIONS} operations is refused`, () => {
    // if + $ref + or + 4,998 × (== and var): 9,999 operations per flag, 21 flags: 209,979 in all
    const shared = { or: Array.from({ length: 4_998 }, (_, i) => ({ '==': [{ var: 'n' }, i] })) };
    const flags = Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [`f${i}`, flag({ if: [{ $ref: 'shared' }, 'on', 'off'] })]),
    );
    const fields = refusal({ flags, $evaluators: { shared } });
    expect(fields.map((f) => f.message)).toContain(
      "the flag set's rules have more than 200,000 operations in all",
    );
    // the flags' own rules are small: it is the shared rule, counted per use, that adds up
    expect(fields.every((f) => f.path.startsWith('$evaluators.shared'))).toBe(true);
  });

  it(`refuses a literal list of more than ${MAX_ARRAY_ITEMS} items; a long allow-list costs one lookup`, () => {
    const tooLong = Array.from({ length: MAX_ARRAY_ITEMS + 1 }, (_, i) => `u${i}`);
    expect(
      refusal({ flags: { a: flag({ if: [{ in: [{ var: 'user' }, tooLong] }, 'on', 'off'] }) } }),
    ).toEqual([
      { path: 'flags.a.targeting.if[0].in[1]', message: 'a list in a rule holds at most 100,000 items' },
    ]);
    const allowed = tooLong.slice(0, MAX_ARRAY_ITEMS);
    // searched item by item, 20 users against 100,000 names would cost 2,000,000 units
    const rule = { all: [{ var: 'users' }, { in: [{ var: '' }, allowed] }] };
    const set = compileFlagSet({ flags: { a: flag({ if: [rule, 'on', 'off'] }) } });
    const users = Array.from({ length: 20 }, (_, i) => `u${99_999 - i}`);
    expect(evaluate(set, 'a', 'boolean', false, { users })).toMatchObject({ value: true });
  });
});
