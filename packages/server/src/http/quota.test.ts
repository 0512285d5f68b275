import { describe, expect, it } from 'vitest';
import { RateQuota } from './quota.js';

describe('RateQuota', () => {
  it('takes a whole batch or none of it, and refills at its rate', () => {
    let now = 0;
    const quota = new RateQuota(100, () => now);
    expect(quota.take('a', 80)).toBe(0);
    expect(quota.take('a', 30)).toBe(1);
    expect(quota.take('b', 100)).toBe(0);
    now = 300;
    expect(quota.take('a', 50)).toBe(0);
    expect(quota.take('a', 1)).toBe(1);
  });

  it('is not drained by a clock stepped back', () => {
    let now = 1_000_000;
    const quota = new RateQuota(100, () => now);
    expect(quota.take('a', 10)).toBe(0);
    now -= 86_400_000;
    expect(quota.take('a', 90)).toBe(0);
    now += 1000;
    expect(quota.take('a', 100)).toBe(0);
  });
});
