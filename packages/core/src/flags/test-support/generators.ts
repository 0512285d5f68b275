/**
 * fast-check generators for the differential test: flagd flag sets with rich targeting and the
 * contexts to evaluate them with. Strings are ASCII only (flagd-core hashes UTF-16 units, flagd
 * UTF-8 bytes; the two agree on ASCII), and values are JSON (contexts are round-tripped).
 */
import fc from 'fast-check';
import type { FlagValueType } from '../types.js';

export const STRINGS = [
  'a',
  'b',
  'red',
  'blue',
  'premium',
  'basic',
  'alice@example.com',
  'bob@acme.org',
  'eve@acme.org',
];
const MORE_STRINGS = ['1.2.3', '2.0.0', 'v1.0', '10', '1', '', 'true', 'abc', 'xyz', 'on', 'off'];
const NUMBERS = [0, 1, 2, 3, 10, 18, 21, 65, -1, 2.5, 100];
const VERSIONS = ['1.0.0', '2.0.0', '1.2', 'v2.1.0', '2.0.0-alpha', '3', 'not-a-version', '1.0.0+build'];
const ATTRIBUTES = [
  'email',
  'age',
  'tier',
  'version',
  'country',
  'beta',
  'score',
  'tags',
  'scores',
  'user.name',
  'user.id',
  'missing',
];

const str = fc.constantFrom(...STRINGS, ...MORE_STRINGS);
const num = fc.constantFrom(...NUMBERS);
const primitive = fc.oneof(str, num, fc.boolean(), fc.constant(null));

/** A JSON evaluation context; every attribute may be absent or null. */
export const contextArb = fc
  .record(
    {
      targetingKey: fc.oneof(
        fc.constantFrom('user-1', 'user-2', 'alice', 'bob', ''),
        fc.string({ maxLength: 12 }),
      ),
      email: fc.oneof(
        fc.constantFrom('alice@example.com', 'bob@acme.org', 'eve@acme.org', 'x@faas.com'),
        fc.constant(null),
      ),
      age: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom('21', 'abc', null)),
      tier: fc.oneof(str, fc.constant(null)),
      version: fc.oneof(fc.constantFrom(...VERSIONS), fc.constantFrom(1.2, 2)),
      country: fc.constantFrom('de', 'us', 'fr', 'DE'),
      beta: fc.oneof(fc.boolean(), fc.constant(null)),
      score: fc.oneof(num, fc.constant(null)),
      tags: fc.array(str, { maxLength: 3 }),
      scores: fc.array(fc.oneof(num, fc.constantFrom('3', 'x', null)), { maxLength: 4 }),
      user: fc.record(
        { name: fc.oneof(str, fc.constant(null)), id: fc.integer({ min: 0, max: 9 }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((ctx) => JSON.parse(JSON.stringify(ctx)) as Record<string, unknown>);

const varOperand = fc.oneof(
  fc.constantFrom(...ATTRIBUTES).map((a) => ({ var: a })),
  fc.tuple(fc.constantFrom(...ATTRIBUTES), primitive).map(([a, d]) => ({ var: [a, d] })),
  fc.constantFrom({ var: 'targetingKey' }, { var: '$flagd.flagKey' }, { var: ['$flagd.timestamp'] }),
);

const ARITHMETIC = ['+', '-', '*', '/', '%', 'min', 'max'];
const numeric = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom({ var: 'age' }, { var: 'score' }, { var: ['score', 1] }) },
  { weight: 3, arbitrary: num },
  { weight: 1, arbitrary: fc.constantFrom('10', 'abc', '', null, true, { var: 'scores' }) },
);
/** Arithmetic, min and max: 1–3 operands, mixing numbers, numeric strings, nulls and lists. */
export const arithmeticArb = fc
  .tuple(fc.constantFrom(...ARITHMETIC), fc.array(numeric, { minLength: 1, maxLength: 3 }))
  .map(([op, xs]) => ({ [op]: xs }));
const operand = fc.oneof(
  { weight: 6, arbitrary: varOperand },
  { weight: 4, arbitrary: primitive },
  { weight: 2, arbitrary: fc.tuple(varOperand, str).map(([v, s]) => ({ cat: [v, s] })) },
  { weight: 1, arbitrary: varOperand.map((v) => ({ cat: [v] })) },
  { weight: 1, arbitrary: fc.constantFrom({ var: '' }, { var: 'user' }, { var: ['user.name'] }) },
  { weight: 2, arbitrary: arithmeticArb },
);

const COMPARISONS = ['==', '!=', '<', '<=', '>', '>=', '===', '!=='];
/** A list a rule builds: a context list, a literal, a merge of them. */
const listArb = fc.oneof(
  fc.constantFrom({ var: 'tags' }, { var: 'scores' }, { var: 'missing' }),
  fc.array(primitive, { maxLength: 3 }),
  fc
    .array(fc.oneof(fc.constantFrom({ var: 'tags' }, { var: 'scores' }, { var: 'tier' }), primitive), {
      minLength: 1,
      maxLength: 3,
    })
    .map((parts) => ({ merge: parts })),
);
/** A per-element rule for the iterators: `{var: ''}` is the element. */
const elementRule = fc.oneof(
  str.map((s) => ({ '==': [{ var: '' }, s] })),
  num.map((n) => ({ '>': [{ var: '' }, n] })),
  fc.constant({ '!': { var: '' } }),
  fc.array(str, { maxLength: 3 }).map((xs) => ({ in: [{ var: '' }, xs] })),
  fc.constant({ cat: [{ var: '' }, '!'] }),
);
/** `reduce` folds with its own scope: `accumulator` and `current`. */
const reduceArb = fc.oneof(
  listArb.map((l) => ({ reduce: [l, { '+': [{ var: 'accumulator' }, 1] }, 0] })),
  listArb.map((l) => ({ reduce: [l, { cat: [{ var: 'accumulator' }, { var: 'current' }] }, ''] })),
  listArb.map((l) => ({ reduce: [l, { max: [{ var: 'accumulator' }, { var: 'current' }] }, -1] })),
  listArb.map((l) => ({ reduce: [l, { '+': [{ var: 'accumulator' }, { var: 'current' }] }] })),
);
const substrArb = fc
  .tuple(
    fc.oneof(varOperand, str),
    fc.integer({ min: -3, max: 3 }),
    fc.option(fc.integer({ min: -3, max: 4 }), { nil: undefined }),
  )
  .map(([text, from, length]) => ({ substr: length === undefined ? [text, from] : [text, from, length] }));
const iteratorArb = fc
  .tuple(fc.constantFrom('some', 'all', 'none', 'filter', 'map'), listArb, elementRule)
  .map(([op, list, rule]) => ({ [op]: [list, rule] }));
const SEMVER_OPS = ['=', '!=', '<', '<=', '>', '>=', '^', '~'];

/** Conditions (usually boolean) and variant-producing rules, for one flag's variant names. */
export function ruleArbs(variantNames: readonly string[], refs: readonly string[]) {
  const variantLiteral = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...variantNames) },
    { weight: 1, arbitrary: fc.constantFrom(null, 'no-such-variant', true, 1) },
  );
  return fc.letrec<{ cond: unknown; rule: unknown }>((tie) => ({
    cond: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'rule' },
      fc.tuple(fc.constantFrom(...COMPARISONS), operand, operand).map(([op, a, b]) => ({ [op]: [a, b] })),
      fc
        .tuple(fc.constantFrom('<', '<='), operand, varOperand, operand)
        .map(([op, a, b, c]) => ({ [op]: [a, b, c] })),
      fc
        .tuple(operand, fc.oneof(fc.array(primitive, { maxLength: 4 }), varOperand, str))
        .map(([a, b]) => ({ in: [a, b] })),
      fc
        .tuple(fc.constantFrom('starts_with', 'ends_with'), operand, str)
        .map(([op, a, b]) => ({ [op]: [a, b] })),
      fc
        .tuple(fc.constantFrom(...SEMVER_OPS), fc.constantFrom(...VERSIONS))
        .map(([op, v]) => ({ sem_ver: [{ var: 'version' }, op, v] })),
      varOperand,
      fc.array(fc.constantFrom(...ATTRIBUTES), { maxLength: 3 }).map((keys) => ({ missing: keys })),
      fc
        .tuple(fc.nat(3), fc.array(fc.constantFrom(...ATTRIBUTES), { maxLength: 3 }))
        .map(([n, keys]) => ({ missing_some: [n, keys] })),
      tie('cond').map((c) => ({ '!': c })),
      varOperand.map((v) => ({ '!': [v] })),
      iteratorArb,
      iteratorArb, // twice: five operations share it
      fc
        .tuple(fc.constantFrom(...COMPARISONS), fc.oneof(arithmeticArb, reduceArb, substrArb), operand)
        .map(([op, a, b]) => ({ [op]: [a, b] })),
      // lists that iterators build (`all`/`some`/`none` give booleans: see README, differences)
      fc
        .tuple(operand, listArb, fc.constantFrom('filter', 'map'), elementRule)
        .map(([a, l, op, rule]) => ({ in: [a, { [op]: [l, rule] }] })),
      operand.map((o) => ({ '!!': [o] })),
      fc
        .tuple(fc.constantFrom('and', 'or'), fc.array(tie('cond'), { minLength: 1, maxLength: 3 }))
        .map(([op, cs]) => ({ [op]: cs })),
      ...(refs.length > 0 ? [fc.constantFrom(...refs).map((r) => ({ $ref: r }))] : []),
      fc.tuple(fc.nat(10), fc.nat(10)).map(([f, t]) => ({
        fractional: [
          [false, f],
          [true, t],
        ],
      })),
    ),
    rule: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'rule' },
      variantLiteral,
      fc.tuple(tie('cond'), tie('rule'), tie('rule')).map(([c, a, b]) => ({ if: [c, a, b] })),
      fc.tuple(tie('cond'), tie('rule')).map(([c, a]) => ({ if: [c, a] })),
      fc
        .tuple(tie('cond'), tie('rule'), tie('cond'), tie('rule'), tie('rule'))
        .map(([c1, a, c2, b, e]) => ({ if: [c1, a, c2, b, e] })),
      fractionalArb(variantLiteral),
      tie('cond'),
      fc.constantFrom({ var: 'tier' }, { var: ['tier', variantNames[0]] }),
      substrArb,
      reduceArb,
    ),
  }));
}

function fractionalArb(variantLiteral: fc.Arbitrary<unknown>) {
  const bucket = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(variantLiteral, fc.integer({ min: -5, max: 100 })).map((b) => [...b]) },
    { weight: 1, arbitrary: variantLiteral.map((v) => [v]) },
    // a computed bucket: the buckets are then evaluated per call, not once at compile time
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }).map((w) => [{ var: 'tier' }, w]) },
  );
  const key = fc.constantFrom(
    [],
    [{ var: 'email' }],
    [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }],
    ['fixed-seed'],
    [{ var: 'missing' }],
    [{ cat: ['seed', { var: 'user.id' }] }],
    [{ var: 'user.id' }], // a non-string bucketing key: flagd-core then reads it as a (bad) bucket
    [{ var: 'age' }],
  );
  return fc
    .tuple(key, fc.array(bucket, { minLength: 1, maxLength: 5 }))
    .map(([k, buckets]) => ({ fractional: [...k, ...buckets] }));
}

const VARIANTS: Record<FlagValueType, Record<string, unknown>[]> = {
  boolean: [
    { on: true, off: false },
    { true: true, false: false },
  ],
  string: [
    { a: 'A', b: 'B', red: 'R' },
    { premium: 'gold', basic: 'tin', 1: 'one' },
  ],
  number: [
    { a: 1, b: 2.5, blue: 0 },
    { 1: 10, 2: 20, true: -3 },
  ],
  object: [
    { a: { x: 1 }, b: { x: [1, 2] }, red: {} },
    { premium: { tier: 'p' }, basic: { tier: 'b', n: null } },
  ],
};

export const TYPES: readonly FlagValueType[] = ['boolean', 'string', 'number', 'object'];

function flagArb(refs: readonly string[]) {
  return fc
    .constantFrom(...TYPES)
    .chain((type) => fc.constantFrom(...VARIANTS[type]).map((variants) => ({ type, variants })))
    .chain(({ type, variants }) => {
      const names = Object.keys(variants);
      return fc.record(
        {
          state: fc.oneof(
            { weight: 9, arbitrary: fc.constant('ENABLED') },
            { weight: 1, arbitrary: fc.constant('DISABLED') },
          ),
          variants: fc.constant(variants),
          defaultVariant: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...names) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
          targeting: ruleArbs(names, refs).rule,
          metadata: fc.constant({ owner: type, version: 3 }),
        },
        { requiredKeys: ['state', 'variants'] },
      );
    });
}

const FLAG_KEYS = ['flag-a', 'flag_b', 'c.d', 'e:f', 'g1', 'X'];
// Both are always defined: a dangling $ref is reported by flagd-core as PARSE_ERROR or, inside a
// lazily evaluated branch, as GENERAL only when reached; Sluice always says PARSE_ERROR (own test).
const REFS = ['ev0', 'ev1'];

/** A flag set document: 1-5 flags, maybe shared evaluators, maybe set metadata. */
export const flagSetArb = fc
  .record(
    {
      flags: fc.dictionary(fc.constantFrom(...FLAG_KEYS), flagArb(REFS), { minKeys: 1, maxKeys: 5 }),
      $evaluators: fc.record({ ev0: ruleArbs(['x'], []).cond, ev1: ruleArbs(['x'], []).cond }),
      metadata: fc.constant({ flagSetId: 'diff', version: 1 }),
    },
    { requiredKeys: ['flags', '$evaluators'] },
  )
  .map((doc) => JSON.parse(JSON.stringify(doc)) as Record<string, unknown>);

/** Which type each evaluation asks for: usually the flag's own, sometimes another (mismatch). */
export const askArb = fc.record({ context: contextArb, pick: fc.nat(7) });
