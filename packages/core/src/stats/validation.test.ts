/**
 * The calculators as a server mounts them: bad input is refused naming the field, any input at
 * all either validates or is refused (never a crash, never NaN), and each schema has a JSON Schema.
 */

import { statsTests as viaPackage } from '@sluice/core/stats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSluiceError } from '../errors/index.js';
import { type StatsTestName, statsTests } from './index.js';
import { SEED } from './test-support/random.js';

const p = (users: number, conversions: number) => ({ users, conversions });
const m = (n: number, mean = 1, variance = 1) => ({ n, mean, variance });

/** [test, input, the field the error must name, a word of its message] */
const bad: [StatsTestName, unknown, string, string][] = [
  ['proportions', { control: p(10, 11), treatment: p(10, 1) }, 'control.conversions', 'exceed users'],
  ['proportions', { control: p(10, 1), treatment: p(-1, 0) }, 'treatment.users', '0 or more'],
  ['proportions', { control: p(10, 1), treatment: p(10.5, 1) }, 'treatment.users', 'whole number'],
  ['proportions', { control: p(10, 1), treatment: p(10, 1), confidence: 1 }, 'confidence', 'below 1'],
  ['proportions', { control: p(10, 1), treatment: p(10, 1), confidance: 0.9 }, 'confidance', 'did you mean'],
  ['means', { control: m(1), treatment: m(5) }, 'control.n', 'at least 2'],
  ['means', { control: m(5, 1, -2), treatment: m(5) }, 'control.variance', '0 or more'],
  ['means', { control: m(5), treatment: m(5), confidence: 0 }, 'confidence', 'above 0'],
  ['means', { control: m(5, 1e200), treatment: m(5) }, 'control.mean', 'between 1e-100 and 1e100'],
  ['bayes', { control: p(2e10, 1), treatment: p(5, 1) }, 'control.users', 'at most 10,000,000,000'],
  ['mann-whitney-buckets', { control: [1, 2.5], treatment: [1, 2] }, 'control[1]', 'whole number'],
  ['srm', { observed: [10, 20, 30], weights: [1, 1] }, 'weights', 'one weight per observed arm'],
  ['srm', { observed: [10, -2], weights: [1, 1] }, 'observed[1]', '0 or more'],
  ['srm', { observed: [10, 20], weights: [1, 0] }, 'weights[1]', 'above 0'],
  ['bayes', { control: p(5, 6), treatment: p(5, 1) }, 'control.conversions', 'exceed users'],
  [
    'bayes',
    { control: p(5, 1), treatment: p(5, 1), prior: { alpha: 0.5, beta: 0.5 } },
    'prior',
    'whole number',
  ],
  [
    'sample-size',
    { baselineRate: 0.1, minimumDetectableEffect: 0.1, effectType: 'relative', power: 1 },
    'power',
    'below 1',
  ],
  [
    'sample-size',
    { baselineRate: 0.1, minimumDetectableEffect: 0.1, effectType: 'relative', power: 0 },
    'power',
    'above 0',
  ],
  [
    'sample-size',
    { baselineRate: 0.9, minimumDetectableEffect: 0.2, effectType: 'absolute' },
    'minimumDetectableEffect',
    'below 1',
  ],
  [
    'sample-size',
    { baselineRate: 0.1, minimumDetectableEffect: 0.01, effectType: 'absolut' },
    'effectType',
    'absolute',
  ],
  [
    'sample-size',
    { baselineRate: 0.1, minimumDetectableEffect: 0.01, effectType: 'absolute', alpha: 0.9, power: 0.05 },
    'power',
    'too low',
  ],
  [
    'sequential',
    { metric: 'proportion', tau2: 0, snapshots: [{ control: p(1, 0), treatment: p(1, 0) }] },
    'tau2',
    'above 0',
  ],
  [
    'sequential',
    { metric: 'mean', tau2: 1, snapshots: [{ control: m(1), treatment: m(2) }] },
    'snapshots[0].control.n',
    'at least 2',
  ],
  ['sequential', { metric: 'ratio', tau2: 1, snapshots: [] }, 'metric', 'proportion'],
  ['holm', { pValues: [0.1, 1.5] }, 'pValues[1]', '<=1'],
  ['holm', { pValues: [0.1], alpha: 1 }, 'alpha', 'below 1'],
  [
    'cuped',
    {
      control: { n: 5, meanY: 1, varY: 1, meanX: 1, varX: 1, covXY: 0 },
      treatment: { n: 5, meanY: 1, varY: 1, meanX: 1, varX: 1, covXY: 2 },
    },
    'treatment.covXY',
    'varX·varY',
  ],
  ['mann-whitney', { control: [], treatment: [1] }, 'control', 'at least one'],
  ['mann-whitney-buckets', { control: [1, 2], treatment: [1, 2, 3] }, 'treatment', 'as many buckets'],
  [
    'mann-whitney-buckets',
    { control: [5, 3], treatment: [1, 2], cumulative: true },
    'control[1]',
    'must not decrease',
  ],
];

describe('validation', () => {
  it.each(bad)('%s refuses bad input, naming %j', (name, input, path, words) => {
    try {
      statsTests[name].run(input);
      expect.fail('accepted bad input');
    } catch (e) {
      if (!isSluiceError(e, 'VALIDATION_FAILED')) throw e;
      expect(e.status).toBe(400);
      const field = e.fields.find((f) => f.path === path);
      expect(field, JSON.stringify(e.fields)).toBeDefined();
      expect(field?.message).toContain(words);
      expect(e.detail).toContain(`${name}: `);
    }
  });
});

describe('statsTests', () => {
  it('is what @sluice/core/stats exports', () => {
    expect(viaPackage).toBe(statsTests);
  });

  it('has exactly the public names', () => {
    expect(Object.keys(statsTests).sort()).toEqual(
      [
        'bayes',
        'cuped',
        'holm',
        'mann-whitney',
        'mann-whitney-buckets',
        'means',
        'proportions',
        'sample-size',
        'sequential',
        'srm',
      ].sort(),
    );
  });

  it('gives every input and output an OpenAPI-ready JSON Schema', () => {
    for (const [name, test] of Object.entries(statsTests)) {
      type Schema = { type?: string; oneOf?: Schema[]; anyOf?: Schema[] };
      const input = z.toJSONSchema(test.input, { io: 'input', unrepresentable: 'any' }) as Schema;
      const output = z.toJSONSchema(test.output, { io: 'output', unrepresentable: 'any' }) as Schema;
      // An object, or (sequential, one shape per metric) a choice of objects.
      const shapes = input.type ? [input] : (input.oneOf ?? input.anyOf ?? []);
      expect(shapes.length, name).toBeGreaterThan(0);
      for (const s of shapes) expect(s.type, name).toBe('object');
      expect(output.type, name).toBe('object');
    }
  });

  it('survives any JSON: a result that fits its output schema, or VALIDATION_FAILED', () => {
    // Mostly well-formed inputs (so deep code paths run), with arbitrary JSON spliced in.
    const count = fc.oneof(fc.nat(1_000_000), fc.jsonValue());
    const num = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      fc.jsonValue(),
    );
    const parr = fc.record({ users: count, conversions: count });
    const marr = fc.record({ n: count, mean: num, variance: num });
    const carr = fc.record({ n: count, meanY: num, varY: num, meanX: num, varX: num, covXY: num });
    const inputs = fc.oneof(
      fc.record({ name: fc.constant('proportions'), input: fc.record({ control: parr, treatment: parr }) }),
      fc.record({ name: fc.constant('bayes'), input: fc.record({ control: parr, treatment: parr }) }),
      fc.record({ name: fc.constant('means'), input: fc.record({ control: marr, treatment: marr }) }),
      fc.record({ name: fc.constant('cuped'), input: fc.record({ control: carr, treatment: carr }) }),
      fc.record({
        name: fc.constant('srm'),
        input: fc.record({ observed: fc.array(count), weights: fc.array(num) }),
      }),
      fc.record({ name: fc.constant('holm'), input: fc.record({ pValues: fc.array(num) }) }),
      fc.record({
        name: fc.constant('sample-size'),
        input: fc.record({
          baselineRate: num,
          minimumDetectableEffect: num,
          effectType: fc.constantFrom('absolute', 'relative'),
        }),
      }),
      fc.record({
        name: fc.constant('sequential'),
        input: fc.record({
          metric: fc.constant('proportion'),
          tau2: num,
          snapshots: fc.array(fc.record({ control: parr, treatment: parr }), { maxLength: 5 }),
        }),
      }),
      fc.record({
        name: fc.constant('mann-whitney'),
        input: fc.record({ control: fc.array(num), treatment: fc.array(num) }),
      }),
      fc.record({
        name: fc.constant('mann-whitney-buckets'),
        input: fc.record({ control: fc.array(count), treatment: fc.array(count) }),
      }),
      fc.record({
        name: fc.constantFrom(...(Object.keys(statsTests) as StatsTestName[])),
        input: fc.jsonValue(),
      }),
    );
    fc.assert(
      fc.property(inputs, ({ name, input }) => {
        const test = statsTests[name as StatsTestName];
        let result: unknown;
        try {
          result = test.run(input);
        } catch (e) {
          if (isSluiceError(e, 'VALIDATION_FAILED') && e.fields.length > 0) return;
          throw e;
        }
        // z.number() rejects NaN and ±Infinity, so this also proves the result has neither.
        const check = test.output.safeParse(result);
        if (!check.success)
          expect.fail(`${name}: ${JSON.stringify(check.error.issues)} for ${JSON.stringify(input)}`);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
