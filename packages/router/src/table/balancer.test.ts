import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteBalancer, ShareSampler, shedWeights, WeightedRoundRobin } from './balancer.js';

/** Integer weights over 1-6 versions summing to 100. */
const weightsArb = fc
  .array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 32 })
  .filter((cuts) => cuts.length > 0)
  .map((cuts) => {
    const sorted = [...cuts.slice(1)].sort((a, b) => a - b);
    const bounds = [0, ...sorted, 100];
    const weights: Record<string, number> = {};
    for (let i = 0; i + 1 < bounds.length; i++) weights[`v${i}`] = (bounds[i + 1] ?? 0) - (bounds[i] ?? 0);
    return weights;
  });

function count(picker: { pick(): string | undefined }, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const name = picker.pick();
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('weighted round robin (quota rule)', () => {
  it('splits N*100 requests exactly by weight', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 1, max: 20 }), (weights, n) => {
        const counts = count(new WeightedRoundRobin(weights), n * 100);
        for (const [name, w] of Object.entries(weights)) expect(counts.get(name) ?? 0).toBe(w * n);
      }),
    );
  });

  it('stays within one request of the exact share at every prefix of the sequence', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 1, max: 400 }), (weights, k) => {
        const counts = count(new WeightedRoundRobin(weights), k);
        for (const [name, w] of Object.entries(weights)) {
          expect(Math.abs((counts.get(name) ?? 0) - (k * w) / 100)).toBeLessThan(1 + 1e-9);
        }
      }),
    );
  });

  it('never picks a zero-weight version and returns undefined when all are zero', () => {
    expect([...count(new WeightedRoundRobin({ a: 0, b: 100 }), 50).keys()]).toEqual(['b']);
    expect(new WeightedRoundRobin({ a: 0 }).pick()).toBeUndefined();
  });
});

describe('health shedding', () => {
  it('keeps the sum at 100, gives unhealthy versions 0 and never lowers a healthy one', () => {
    fc.assert(
      fc.property(weightsArb, fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }), (weights, health) => {
        const names = Object.keys(weights);
        const healthy = (v: string) => health[names.indexOf(v)] ?? true;
        const shed = shedWeights(weights, healthy);
        expect(Object.values(shed).reduce((a, b) => a + b, 0)).toBe(100);
        const anyHealthyWeight = names.some((n) => healthy(n) && (weights[n] ?? 0) > 0);
        for (const n of names) {
          if (!anyHealthyWeight) expect(shed[n]).toBe(weights[n]);
          else if (!healthy(n)) expect(shed[n]).toBe(0);
          else expect(shed[n]).toBeGreaterThanOrEqual(weights[n] ?? 0);
        }
      }),
    );
  });

  it('moves weight in proportion to the healthy weights', () => {
    expect(shedWeights({ a: 50, b: 30, c: 20 }, (v) => v !== 'a')).toEqual({ a: 0, b: 60, c: 40 });
    expect(shedWeights({ a: 34, b: 33, c: 33 }, (v) => v !== 'a')).toEqual({ a: 0, b: 50, c: 50 });
  });

  it('keeps the configured split when no healthy version has weight (fail closed)', () => {
    expect(shedWeights({ blue: 100, green: 0 }, (v) => v !== 'blue')).toEqual({ blue: 100, green: 0 });
  });

  it('RouteBalancer reports a change only when the effective split changes', () => {
    const b = new RouteBalancer({ a: 80, b: 20 });
    expect(b.applyHealth(() => true)).toBe(false);
    expect(b.applyHealth((v) => v === 'a')).toBe(true);
    expect(b.weightOf('b')).toBe(0);
    expect(count(b, 10).get('a')).toBe(10);
    expect(b.applyHealth(() => true)).toBe(true);
    expect(b.effective).toEqual({ a: 80, b: 20 });
  });
});

describe('share sampler', () => {
  it('samples exactly percent of every 100 calls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 10 }), (percent, n) => {
        const s = new ShareSampler(percent);
        let hits = 0;
        for (let i = 0; i < n * 100; i++) if (s.next()) hits++;
        expect(hits).toBe(percent * n);
      }),
    );
  });
});
