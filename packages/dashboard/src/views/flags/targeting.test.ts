import { describe, expect, it } from 'vitest';
import { buildTargeting, parseTargeting, rebalance } from './targeting';

describe('targeting model', () => {
  it('reads the seed flag: a segment attribute rule, then a fractional split', () => {
    const targeting = {
      if: [
        { in: [{ var: 'user_segment' }, ['beta_testers', 'employees']] },
        'on',
        { $ref: 'internal' },
        'on',
        {
          fractional: [
            ['on', 5],
            ['off', 95],
          ],
        },
      ],
    };
    const model = parseTargeting(targeting);
    expect(model).toEqual({
      rules: [
        {
          kind: 'attribute',
          attribute: 'user_segment',
          operator: 'in',
          values: ['beta_testers', 'employees'],
          variant: 'on',
        },
        { kind: 'segment', segment: 'internal', variant: 'on' },
      ],
      fallback: {
        kind: 'fractional',
        weights: [
          ['on', 5],
          ['off', 95],
        ],
      },
    });
    expect(buildTargeting(model!)).toEqual(targeting);
  });

  it('gives null for what only JSON can say, and nothing for no targeting', () => {
    expect(parseTargeting({ if: [{ '>': [{ var: 'age' }, 18] }, 'on', 'off'] })).toBeNull();
    expect(parseTargeting({ fractional: [{ var: 'email' }, ['on', 50], ['off', 50]] })).toBeNull();
    expect(parseTargeting(undefined)).toEqual({ rules: [], fallback: { kind: 'default' } });
    expect(buildTargeting({ rules: [], fallback: { kind: 'default' } })).toBeUndefined();
  });

  it('keeps a split at 100 when one slider moves', () => {
    expect(
      rebalance(
        [
          ['a', 50],
          ['b', 50],
        ],
        0,
        80,
      ),
    ).toEqual([
      ['a', 80],
      ['b', 20],
    ]);
    const three = rebalance(
      [
        ['a', 20],
        ['b', 40],
        ['c', 40],
      ],
      0,
      50,
    );
    expect(three).toEqual([
      ['a', 50],
      ['b', 25],
      ['c', 25],
    ]);
    expect(
      rebalance(
        [
          ['a', 100],
          ['b', 0],
          ['c', 0],
        ],
        0,
        40,
      ).reduce((s, [, w]) => s + w, 0),
    ).toBe(100);
  });
});
