import { describe, expect, it } from 'vitest';
import { proportions } from './proportions.js';
import {
  ARITHMETIC,
  expectAllFinite,
  expectClose,
  expectInterval,
  PROBABILITY,
  type Vector,
  vectors,
} from './test-support/close.js';

describe('proportions', () => {
  it('matches statsmodels (proportions_ztest, confint_proportions_2indep wald) on 40 vectors', () => {
    for (const [i, v] of (vectors.proportions as Vector[]).entries()) {
      const r = proportions(v.input);
      const e = v.expected;
      for (const key of ['controlRate', 'treatmentRate', 'absoluteLift', 'relativeLift', 'z'] as const) {
        expectClose(r[key], e[key], ARITHMETIC, `#${i} ${key}`, 1e-12);
      }
      expectClose(r.pValue, e.pValue, PROBABILITY, `#${i} pValue`);
      expectInterval(r.ci, e.ci, PROBABILITY, `#${i} ci`);
      expectInterval(r.relativeCi, e.relativeCi, PROBABILITY, `#${i} relativeCi`);
      expect(r.reason).toBeUndefined();
    }
  });

  it("reproduces Agresti's Physicians' Health Study figures (aspirin vs placebo, myocardial infarction)", () => {
    // Agresti, "An Introduction to Categorical Data Analysis" (2nd ed., 2007), §2.2.3 and §2.4:
    // placebo 189/11,034, aspirin 104/11,037; difference 0.0077, 95 % CI (0.005, 0.011); X² = 25.01.
    const r = proportions({
      control: { users: 11037, conversions: 104 },
      treatment: { users: 11034, conversions: 189 },
    });
    expect(r.absoluteLift?.toFixed(4)).toBe('0.0077');
    expect(r.ci?.map((x) => x.toFixed(3))).toEqual(['0.005', '0.011']);
    expect(((r.z ?? 0) ** 2).toFixed(2)).toBe('25.01');
    expect(r.pValue).toBeLessThan(1e-6);
  });

  it('a wider confidence gives a wider interval around the same lift', () => {
    const input = {
      control: { users: 5000, conversions: 400 },
      treatment: { users: 5000, conversions: 460 },
    };
    const narrow = proportions({ ...input, confidence: 0.8 });
    const wide = proportions({ ...input, confidence: 0.99 });
    expect(wide.ci?.[0]).toBeLessThan(narrow.ci?.[0] ?? 0);
    expect(wide.ci?.[1]).toBeGreaterThan(narrow.ci?.[1] ?? 0);
    expect(wide.pValue).toBe(narrow.pValue);
  });

  it('answers null with a reason where the statistic is 0/0, never NaN', () => {
    const empty = proportions({
      control: { users: 0, conversions: 0 },
      treatment: { users: 10, conversions: 1 },
    });
    expect(empty).toMatchObject({ controlRate: null, treatmentRate: 0.1, absoluteLift: null, pValue: null });
    expect(empty.reason).toContain('control has no users');

    const zeroControl = proportions({
      control: { users: 100, conversions: 0 },
      treatment: { users: 100, conversions: 3 },
    });
    expect(zeroControl.relativeLift).toBeNull();
    expect(zeroControl.relativeCi).toBeNull();
    expect(zeroControl.absoluteLift).toBe(0.03);
    expect(zeroControl.pValue).not.toBeNull();
    expect(zeroControl.reason).toContain('control rate is 0');

    const none = proportions({
      control: { users: 100, conversions: 0 },
      treatment: { users: 100, conversions: 0 },
    });
    expect(none).toMatchObject({ absoluteLift: 0, ci: null, z: null, pValue: null });
    expect(none.reason).toContain('pooled rate is 0 or 1');

    for (const r of [empty, zeroControl, none]) expectAllFinite(r);
  });
});
