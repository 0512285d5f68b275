import type { FlagDefinition } from '@sluice/core/flags';
import { describe, expect, it } from 'vitest';
import { applyScheduledChange, firstFractional } from './apply-change.js';

const flag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false, dark: false },
  defaultVariant: 'off',
  targeting: {
    if: [
      { in: [{ var: 'email' }, ['a@x']] },
      { fractional: [{ cat: [{ var: 'targetingKey' }, 'salt'] }, ['on', 10], ['off', 90]] },
      { fractional: [['dark', 1]] },
    ],
  },
};

describe('applyScheduledChange', () => {
  it('sets state and default variant and leaves the input untouched', () => {
    const out = applyScheduledChange(flag, { state: 'DISABLED', defaultVariant: 'on' });
    expect(out.problems).toEqual([]);
    expect(out.spec).toMatchObject({ state: 'DISABLED', defaultVariant: 'on', variants: flag.variants });
    expect(flag.state).toBe('ENABLED');
  });

  it('replaces the first fractional operation only, keeping its bucketing key', () => {
    const out = applyScheduledChange(flag, { fractionalWeights: { on: 50, off: 50 } });
    const [, first, second] = (out.spec as unknown as { targeting: { if: unknown[] } }).targeting.if;
    expect(first).toEqual({
      fractional: [{ cat: [{ var: 'targetingKey' }, 'salt'] }, ['on', 50], ['off', 50]],
    });
    expect(second).toEqual({ fractional: [['dark', 1]] });
  });

  it('applies new targeting before the weights, and null removes the targeting', () => {
    const out = applyScheduledChange(flag, {
      targeting: {
        fractional: [
          ['on', 1],
          ['off', 1],
        ],
      },
      fractionalWeights: { on: 0, off: 100 },
    });
    expect(out.spec?.targeting).toEqual({
      fractional: [
        ['on', 0],
        ['off', 100],
      ],
    });
    expect(applyScheduledChange(flag, { targeting: null }).spec).not.toHaveProperty('targeting');
  });

  it('names the field of the change that makes the flag invalid', () => {
    expect(applyScheduledChange(flag, { defaultVariant: 'blue' }).problems).toEqual([
      { path: 'set.defaultVariant', message: expect.stringContaining('"blue" is not one of the variants') },
    ]);
    expect(applyScheduledChange(flag, { fractionalWeights: { on: 1, purple: 2 } }).problems).toEqual([
      { path: 'set.fractionalWeights.purple', message: expect.stringContaining('not one of the flag') },
    ]);
    const plain: FlagDefinition = { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' };
    expect(applyScheduledChange(plain, { fractionalWeights: { a: 1 } }).problems).toEqual([
      { path: 'set.fractionalWeights', message: expect.stringContaining('no fractional operation') },
    ]);
  });

  it('finds fractional operations depth first in document order', () => {
    expect(
      firstFractional({ a: [{ b: { fractional: [['x', 1]] } }], c: { fractional: [['y', 1]] } }),
    ).toEqual({
      fractional: [['x', 1]],
    });
    expect(firstFractional({ if: [true, 'a', 'b'] })).toBeNull();
  });
});
