import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serverWeights, versionPercents } from './weights.js';

/** Random splits over 1-5 versions with integer percents summing to 100. */
const split = fc
  .array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 })
  .filter((xs) => xs.some((x) => x > 0))
  .map((xs) => {
    const total = xs.reduce((a, b) => a + b, 0);
    const w = xs.map((x) => Math.floor((x * 100) / total));
    w[0] = (w[0] ?? 0) + 100 - w.reduce((a, b) => a + b, 0);
    return w;
  });

describe('weights', () => {
  it('versionPercents always sums to 100 (or is all zero)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 8 }), (ws) => {
        const out = versionPercents(ws.map((weight, i) => ({ version: `v${i % 3}`, weight })));
        const sum = Object.values(out).reduce((a, b) => a + b, 0);
        expect(sum).toBe(ws.some((w) => w > 0) ? 100 : 0);
      }),
    );
  });

  it('a split spread over servers reads back exactly when servers per version are few', () => {
    fc.assert(
      fc.property(
        split,
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
        (w, counts) => {
          const weights = Object.fromEntries(w.map((x, i) => [`v${i}`, x]));
          const backends = Object.fromEntries(
            w.map((_, i) => [
              `v${i}`,
              Array.from({ length: counts[i] ?? 1 }, (_, j) => `http://127.0.0.1:${j + 1}`),
            ]),
          );
          const per = serverWeights(weights, backends, 1_000_000);
          const servers = Object.entries(backends).flatMap(([v, urls]) =>
            urls.map(() => ({ version: v, weight: per[v] ?? 0 })),
          );
          expect(versionPercents(servers)).toEqual(weights);
        },
      ),
    );
  });

  it('fits HAProxy’s 0..256 range, keeping every weighted version above zero', () => {
    const per = serverWeights({ a: 99, b: 1 }, { a: ['x'], b: ['y', 'z', 'w'] }, 256);
    expect(Math.max(...Object.values(per))).toBeLessThanOrEqual(256);
    expect(per.b).toBeGreaterThan(0);
    expect(serverWeights({ a: 100, b: 0 }, { a: ['x'], b: ['y'] }, 256)).toEqual({ a: 100, b: 0 });
  });
});
