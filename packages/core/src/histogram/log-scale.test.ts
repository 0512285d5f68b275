import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogHistogram, LogScale } from './index.js';

describe('LogScale and LogHistogram', () => {
  it('puts values below the first edge in bin 0 and above the last in the last bin', () => {
    const scale = new LogScale(0.001, 1.1, 10);
    expect(scale.binOf(0)).toBe(0);
    expect(scale.binOf(Number.NaN)).toBe(0);
    expect(scale.binOf(0.0011)).toBe(1);
    expect(scale.binOf(1e9)).toBe(9);
    expect(scale.quantile(new Float64Array(10), 0, 0.5)).toBeNull();
  });

  it('reads each quantile within one bin width (1 %) of the exact order statistic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const h = new LogHistogram(new LogScale(0.01, 1.01, 2000));
          for (const x of xs) h.record(x);
          const sorted = [...xs].sort((a, b) => a - b);
          for (const q of [0.5, 0.95, 0.99]) {
            const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
            expect(h.quantile(q)).toBeGreaterThanOrEqual(exact / 1.0101);
            expect(h.quantile(q)).toBeLessThanOrEqual(exact * 1.0101);
          }
          expect(h.quantile(1)).toBeCloseTo(sorted.at(-1)!, 6);
          expect(h.count).toBe(xs.length);
        },
      ),
    );
  });
});
