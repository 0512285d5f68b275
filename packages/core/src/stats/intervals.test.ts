import { describe, expect, it } from 'vitest';
import { binomialUpperTail, rateRatioInterval, wilsonInterval } from './intervals.js';

// Reference values: the closed forms evaluated with scipy's normal quantile.
describe('wilsonInterval', () => {
  it('matches the closed form', () => {
    const [lo, hi] = wilsonInterval({ events: 81, total: 263 }, 0.95) ?? [0, 0];
    expect(lo).toBeCloseTo(0.2552885198782742, 12);
    expect(hi).toBeCloseTo(0.36620957698280004, 12);
    const [lo2, hi2] = wilsonInterval({ events: 60, total: 12_000 }, 0.99) ?? [0, 0];
    expect(lo2).toBeCloseTo(0.0035930559713592053, 12);
    expect(hi2).toBeCloseTo(0.006954020515231598, 12);
  });

  it('stays inside [0, 1] at 0 events and is null without a total', () => {
    const [lo, hi] = wilsonInterval({ events: 0, total: 50 }, 0.99) ?? [1, 1];
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.11715209171762797, 12);
    expect(wilsonInterval({ events: 0, total: 0 }, 0.95)).toBeNull();
  });
});

describe('rateRatioInterval', () => {
  it('matches the Katz closed form and is null without events', () => {
    const [lo, hi] = rateRatioInterval({ events: 380, total: 1000 }, { events: 400, total: 1000 }, 0.95) ?? [
      0, 0,
    ];
    expect(lo).toBeCloseTo(0.8513143043918846, 12);
    expect(hi).toBeCloseTo(1.0601254969451954, 12);
    expect(rateRatioInterval({ events: 0, total: 10 }, { events: 4, total: 10 }, 0.95)).toBeNull();
  });
});

describe('binomialUpperTail', () => {
  it("matches scipy's binom.sf(x − 1, n, p)", () => {
    const cases: [number, number, number, number][] = [
      [252, 12_000, 0.01, 3.0634987383667816e-26],
      [2, 20, 0.01, 0.01685933763565178],
      [15, 1000, 0.01, 0.0824123195160887],
      [1, 50, 0.02, 0.635830319912883],
      [131, 12_000, 0.01, 0.16734627436449517],
    ];
    for (const [x, n, p, want] of cases) {
      expect(Math.abs(binomialUpperTail(x, n, p) - want) / want).toBeLessThan(1e-9);
    }
  });

  it('is 1 at 0 and 0 past n', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
  });
});
