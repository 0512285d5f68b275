import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileFlagSet, evaluate } from './index.js';
import { askArb, flagSetArb, TYPES } from './test-support/generators.js';
import { referenceCore, referenceEvaluate } from './test-support/reference.js';
import type { FlagValueType, JsonValue } from './types.js';

/**
 * Differential test: generated flag sets, each evaluated for generated contexts, by this engine
 * and by @openfeature/flagd-core; they must agree on value, variant, reason, error code and
 * metadata. What it counts: 5 parts × 550 flag sets (2,750) of 1–5 flags; each set is evaluated
 * for 12–24 contexts, every flag once per context (plus one unknown flag for the first): about
 * 150,000 (flag, context) evaluations. Each part checks its own coverage — every kind of outcome
 * and every operation the generators can write — from its own counts.
 */

const NOW_SECONDS = 1_750_000_000;
const PARTS = 5;
const SETS_PER_PART = 550;
const DEFAULTS: Record<FlagValueType, JsonValue> = {
  boolean: false,
  string: 'dflt',
  number: -7,
  object: { d: 1 },
};

/** Every operation the generators write; each must appear in many sets of every part. */
const OPERATIONS = [
  'if',
  'and',
  'or',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '===',
  '!==',
  '!',
  '!!',
  'in',
  'cat',
  'var',
  'missing',
  'missing_some',
  '+',
  '-',
  '*',
  '/',
  '%',
  'min',
  'max',
  'substr',
  'merge',
  'reduce',
  'map',
  'filter',
  'all',
  'some',
  'none',
  '$ref',
  'fractional',
  'sem_ver',
  'starts_with',
  'ends_with',
];
const OUTCOMES = [
  'DEFAULT',
  'DISABLED',
  'ERROR/FLAG_NOT_FOUND',
  'ERROR/GENERAL',
  'ERROR/PARSE_ERROR',
  'ERROR/TYPE_MISMATCH',
  'STATIC',
  'TARGETING_MATCH',
];

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

/** The operation names a document uses anywhere (targeting and shared evaluators). */
function operationsIn(value: unknown, into: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) operationsIn(item, into);
    return;
  }
  const keys = Object.keys(value);
  if (keys.length === 1) into.add(keys[0]!);
  for (const inner of Object.values(value)) operationsIn(inner, into);
}

interface Counts {
  sets: number;
  evaluations: number;
  outcomes: Map<string, number>;
  /** In how many sets each operation appears. */
  operations: Map<string, number>;
}

/** One part: its own property run and its own counts, shared with no other test. */
function runPart(): Counts {
  const counts: Counts = { sets: 0, evaluations: 0, outcomes: new Map(), operations: new Map() };
  const property = fc.property(
    flagSetArb,
    fc.array(askArb, { minLength: 12, maxLength: 24 }),
    (doc, asks) => {
      counts.sets++;
      const used = new Set<string>();
      operationsIn({ flags: doc.flags, evaluators: doc.$evaluators }, used);
      for (const op of used) counts.operations.set(op, (counts.operations.get(op) ?? 0) + 1);
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
          counts.evaluations++;
          const outcome = `${expected.reason}${expected.errorCode ? `/${expected.errorCode}` : ''}`;
          counts.outcomes.set(outcome, (counts.outcomes.get(outcome) ?? 0) + 1);
        }
      });
    },
  );
  fc.assert(property, { numRuns: SETS_PER_PART });
  return counts;
}

describe(`differential test against @openfeature/flagd-core: ${PARTS} × ${SETS_PER_PART} generated flag sets, 12–24 contexts each`, () => {
  beforeAll(() => {
    // flagd-core reads the clock itself; pin it to the `now` we pass to our engine
    vi.spyOn(Date, 'now').mockReturnValue(NOW_SECONDS * 1000 + 123);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it.each(Array.from({ length: PARTS }, (_, i) => i + 1))(
    `part %i: ${SETS_PER_PART} sets agree, every operation generated and every kind of outcome reached`,
    () => {
      const counts = runPart();
      expect(counts.sets).toBe(SETS_PER_PART);
      // at least one flag and 12 contexts per set, one unknown flag per set
      expect(counts.evaluations).toBeGreaterThanOrEqual(SETS_PER_PART * 13);
      const missingOperations = OPERATIONS.filter((op) => (counts.operations.get(op) ?? 0) < 20);
      expect(missingOperations, 'operations in fewer than 20 sets of this part').toEqual([]);
      const rareOutcomes = OUTCOMES.filter((o) => (counts.outcomes.get(o) ?? 0) < 20);
      expect(rareOutcomes, 'outcomes reached fewer than 20 times in this part').toEqual([]);
    },
  );
});
