import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import { compileFlagSet, evaluate, FlagSchema, FlagSetDocumentSchema } from './index.js';

function problems(doc: unknown, options?: Parameters<typeof compileFlagSet>[1]) {
  try {
    compileFlagSet(doc, options);
  } catch (e) {
    if (isSluiceError(e, 'FLAG_DEFINITION_INVALID')) {
      expect(e.status).toBe(400);
      return e.fields;
    }
    throw e;
  }
  return [];
}

const flag = (extra: Record<string, unknown> = {}) => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  ...extra,
});

describe('compileFlagSet rejects invalid definitions with the JSON path', () => {
  it('accepts a valid document', () => {
    expect(
      problems({ flags: { 'new-banner': flag({ targeting: { if: [{ var: 'beta' }, 'on', 'off'] } }) } }),
    ).toEqual([]);
  });

  it('a defaultVariant that is not a variant', () => {
    expect(problems({ flags: { a: flag({ defaultVariant: 'purple' }) } })).toEqual([
      { path: 'flags.a.defaultVariant', message: '"purple" is not one of the variants (on, off)' },
    ]);
  });

  it('flag keys outside the documented character set', () => {
    const fields = problems({ flags: { 'bad key!': flag(), '-leading': flag(), ok: flag() } });
    expect(fields.map((f) => f.path)).toEqual(['flags["bad key!"]', 'flags["-leading"]']);
    expect(fields[0]!.message).toMatch(/flag keys are 1-128 characters/);
  });

  it('a bad state, a missing variants map, an unknown field', () => {
    const fields = problems({ flags: { a: { state: 'ON', defaultVariant: 'x', colour: 'red' } } });
    expect(fields.map((f) => f.path).sort()).toEqual(['flags.a', 'flags.a.state', 'flags.a.variants']);
  });

  it('fractional weights that are not numbers, or not integers', () => {
    const targeting = { fractional: [{ var: 'email' }, ['on', '50'], ['off', 2.5]] };
    expect(problems({ flags: { a: flag({ targeting }) } })).toEqual([
      { path: 'flags.a.targeting.fractional[1][1]', message: 'the weight must be a number' },
      { path: 'flags.a.targeting.fractional[2][1]', message: 'the weight must be an integer' },
    ]);
  });

  it('an unknown JsonLogic operation, wherever it is', () => {
    const targeting = { if: [{ and: [{ var: 'x' }, { regex_match: ['a', 'b'] }] }, 'on'] };
    expect(problems({ flags: { a: flag({ targeting }) } })).toEqual([
      { path: 'flags.a.targeting.if[0].and[1]', message: 'unknown JsonLogic operation "regex_match"' },
    ]);
  });

  it('a $ref to no shared evaluator, and a nested $ref', () => {
    const doc = {
      flags: { a: flag({ targeting: { if: [{ $ref: 'nope' }, 'on'] } }) },
      $evaluators: { outer: { and: [{ $ref: 'inner' }] }, inner: { var: 'x' } },
    };
    expect(problems(doc)).toEqual([
      {
        path: '$evaluators.outer.and[0].$ref',
        message: 'shared evaluators cannot use $ref (found $ref "inner")',
      },
      { path: 'flags.a.targeting.if[0].$ref', message: '$ref "nope" does not name a shared evaluator' },
    ]);
  });

  it('an expression that can only fail', () => {
    expect(
      problems({ flags: { a: flag({ targeting: { if: [{ '<': ['abc', 3] }, 'on', 'off'] } }) } }),
    ).toEqual([
      { path: 'flags.a.targeting.if', message: 'this expression always fails: operand is not a number' },
    ]);
  });

  it('variants of mixed types', () => {
    expect(
      problems({ flags: { a: flag({ variants: { on: true, off: 'no' }, defaultVariant: 'on' }) } }),
    ).toEqual([
      { path: 'flags.a.variants', message: 'all variants must have the same type, found boolean and string' },
    ]);
  });

  it('operations flagd accepts but that can only answer the default (sem_ver operator, arity)', () => {
    const targeting = {
      or: [{ sem_ver: [{ var: 'v' }, '===', '1.0.0'] }, { starts_with: ['abc'] }, { '==': [{ var: 'x' }] }],
    };
    expect(problems({ flags: { a: flag({ targeting }) } }).map((f) => f.path)).toEqual([
      'flags.a.targeting.or[0].sem_ver[1]',
      'flags.a.targeting.or[1].starts_with',
      'flags.a.targeting.or[2]["=="]',
    ]);
  });

  it('reports every problem at once', () => {
    const doc = { flags: { a: flag({ targeting: { nope: [] } }), b: flag({ targeting: { $ref: 'x' } }) } };
    expect(() => compileFlagSet(doc)).toThrow('2 problems in the flag set');
    expect(problems({ flags: { a: flag({ defaultVariant: 'x' }), b: flag({ state: 'on' }) } })).toHaveLength(
      2,
    );
  });

  it('rejects rules nested absurdly deep instead of overflowing the stack', () => {
    let rule: unknown = 'on';
    for (let i = 0; i < 20_000; i++) rule = { if: [true, rule, 'off'] };
    const fields = problems({ flags: { a: flag({ targeting: rule }) } });
    expect(fields).toHaveLength(1);
    expect(fields[0]!.path).toMatch(/^flags\.a\.targeting\.if\[1\]/);
    expect(fields[0]!.message).toBe('nested more than 100 levels deep');
  });

  it('rejects a document that is not an object', () => {
    expect(problems('flags')).toEqual([{ path: '', message: expect.any(String) }]);
    expect(problems({})).toEqual([{ path: 'flags', message: expect.any(String) }]);
  });
});

describe('flagd mode', () => {
  const doc = {
    flags: {
      broken: flag({ targeting: { if: [{ $ref: 'nope' }, 'on', 'off'] } }),
      lazy: flag({ targeting: { if: [{ var: 'x' }, { $ref: 'nope' }] } }),
      weights: flag({
        targeting: {
          fractional: [
            ['on', 'fifty'],
            ['off', 50],
          ],
        },
      }),
      fine: flag({ targeting: { if: [{ var: 'beta' }, 'on'] } }),
    },
  };
  const set = compileFlagSet(doc, { mode: 'flagd' });

  it('isolates a flag whose targeting does not compile: PARSE_ERROR, the rest works', () => {
    const broken = evaluate(set, 'broken', 'boolean', true, {});
    expect(broken).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(broken.errorMessage).toMatch(/\$ref "nope" does not name a shared evaluator/);
    expect(evaluate(set, 'fine', 'boolean', false, { beta: true })).toMatchObject({
      value: true,
      variant: 'on',
    });
    expect(set.problems.map((p) => [p.flag, p.kind, p.path])).toEqual([
      ['broken', 'parse', 'flags.broken.targeting.if[0].$ref'],
      ['lazy', 'parse', 'flags.lazy.targeting.if[1].$ref'],
      ['weights', 'lenient', 'flags.weights.targeting.fractional[0][1]'],
    ]);
  });

  // flagd-core reports a dangling $ref in a lazily evaluated branch only when the branch runs (as
  // GENERAL); Sluice reports it for every evaluation, as the testbed does for eager positions.
  it('reports a dangling $ref as PARSE_ERROR even in a branch that is not taken', () => {
    expect(evaluate(set, 'lazy', 'boolean', false, { x: false })).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('keeps flagd semantics for mistakes flagd tolerates: a bad weight falls back to the default variant', () => {
    expect(evaluate(set, 'weights', 'boolean', true, { targetingKey: 'u' })).toMatchObject({
      value: false,
      variant: 'off',
      reason: 'DEFAULT',
    });
  });
});

describe('FlagSetDocumentSchema', () => {
  it('parses flagd documents with Sluice extras', () => {
    const parsed = FlagSetDocumentSchema.parse({
      $schema: 'https://flagd.dev/schema/v0/flags.json',
      flags: {
        a: flag({
          description: 'A flag',
          owner: 'team-x',
          tags: ['ui'],
          safeVariant: 'off',
          prerequisites: [{ flag: 'b', variants: ['on'] }],
        }),
      },
      metadata: { team: 'x', version: 2 },
    });
    expect(parsed.flags.a?.safeVariant).toBe('off');
  });

  it('rejects a safeVariant that is not a variant', () => {
    const result = FlagSetDocumentSchema.safeParse({ flags: { a: flag({ safeVariant: 'maybe' }) } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['flags', 'a', 'safeVariant']);
  });
});

describe('variants named in targeting must exist', () => {
  it('refuses a fractional bucket, an if branch, a var default or a shared rule naming a missing variant', () => {
    const doc = {
      flags: {
        split: flag({
          targeting: {
            fractional: [
              ['on', 10],
              ['of', 90],
            ],
          },
        }),
        branch: flag({ targeting: { if: [{ var: 'beta' }, 'onn', { var: ['tier', 'off'] }] } }),
        fallback: flag({ targeting: { or: [{ var: 'pick' }, 'maybe'] } }),
        shared: flag({ targeting: { $ref: 'pick' } }),
      },
      $evaluators: { pick: { if: [{ var: 'x' }, 'on', 'nope'] } },
    };
    expect(problems(doc)).toEqual([
      {
        path: 'flags.split.targeting.fractional[1][0]',
        message: 'the rule names variant "of", which flag "split" does not have (on, off)',
      },
      {
        path: 'flags.branch.targeting.if[1]',
        message: 'the rule names variant "onn", which flag "branch" does not have (on, off)',
      },
      {
        path: 'flags.fallback.targeting.or[1]',
        message: 'the rule names variant "maybe", which flag "fallback" does not have (on, off)',
      },
      {
        path: '$evaluators.pick.if[2]',
        message: 'the rule names variant "nope", which flag "shared" does not have (on, off)',
      },
    ]);
  });

  it('does not count conditions, computed results or null as names', () => {
    const targeting = {
      if: [{ '==': [{ var: 'tier' }, 'gold'] }, { cat: ['o', 'n'] }, { in: ['x', ['y']] }, null, 'off'],
    };
    expect(problems({ flags: { a: flag({ targeting }) } })).toEqual([]);
  });

  it('loads such a flag in flagd mode and evaluates it as flagd does', () => {
    const set = compileFlagSet(
      {
        flags: {
          split: flag({
            targeting: {
              fractional: [
                ['on', 0],
                ['of', 100],
              ],
            },
          }),
        },
      },
      { mode: 'flagd' },
    );
    expect(set.problems.map((p) => [p.flag, p.kind, p.path])).toEqual([
      ['split', 'lenient', 'flags.split.targeting.fractional[1][0]'],
    ]);
    expect(evaluate(set, 'split', 'boolean', false, { targetingKey: 'u' })).toMatchObject({
      reason: 'ERROR',
      errorCode: 'GENERAL',
      errorMessage: "variant 'of' not found in flag 'split'",
    });
  });
});

describe('FlagSchema on deeply nested input', () => {
  it('answers with the path instead of overflowing the stack (zod recursion)', () => {
    let rule: unknown = 'on';
    for (let i = 0; i < 10_000; i++) rule = { if: [true, rule, 'off'] };
    const result = FlagSchema.safeParse(flag({ targeting: rule }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('nested more than 100 levels deep');
    expect(result.error?.issues[0]?.path.slice(0, 3)).toEqual(['targeting', 'if', 1]);
  });
});
