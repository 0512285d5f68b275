import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFlagSet, evaluate } from '../flags/index.js';
import { armFor, bucketOfText, inLayerSlice, splitChangeEffect } from './assign.js';
import { experimentFlag } from './flag.js';
import { type ExperimentSpec, ExperimentSpecSchema } from './schema.js';

const spec = (over: Partial<ExperimentSpec> = {}): ExperimentSpec =>
  ExperimentSpecSchema.parse({
    status: 'active',
    traffic_split: { control: 33, variant_a: 33, variant_b: 34 },
    metrics: { primary: 'click_through_rate' },
    duration_days: 7,
    min_sample_size: 500,
    ...over,
  });

/** Evaluates the experiment's flag; compiled once per spec. */
const compiled = new WeakMap<ExperimentSpec, ReturnType<typeof compileFlagSet>>();
function served(key: string, s: ExperimentSpec, context: Record<string, unknown>, segments = {}) {
  let set = compiled.get(s);
  if (!set) {
    set = compileFlagSet(
      { flags: { [key]: experimentFlag(key, s, { segments: new Set(Object.keys(segments)) }) } },
      { segments },
    );
    compiled.set(s, set);
  }
  return evaluate(set, key, 'string', 'fallback', context);
}

describe('assignment', () => {
  it('the flag serves the arm armFor computes, for any user (same engine on server and SDKs)', () => {
    const s = spec({ salt: 'round-2' });
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (user) => {
        const result = served('product-page-layout', s, { targetingKey: user });
        expect(result.reason).toBe('TARGETING_MATCH');
        expect(result.value).toBe(armFor('product-page-layout', s, user));
      }),
      { numRuns: 500 },
    );
  });

  it('splits 10,000 buckets as the shares say, and is sticky', () => {
    const s = spec();
    const counts: Record<string, number> = { control: 0, variant_a: 0, variant_b: 0 };
    for (let i = 0; i < 60_000; i++) counts[armFor('exp', s, `u${i}`)]! += 1;
    // 60,000 users: a share's standard error is about 0.2 %, so ±1 % is > 4 standard errors
    expect(counts.control! / 60_000).toBeCloseTo(0.33, 1);
    expect(Math.abs(counts.variant_b! / 60_000 - 0.34)).toBeLessThan(0.01);
    expect(armFor('exp', s, 'u7')).toBe(armFor('exp', s, 'u7'));
    const buckets = new Set(Array.from({ length: 50_000 }, (_, i) => bucketOfText(`k:${i}`)));
    expect(Math.min(...buckets)).toBe(0);
    expect(Math.max(...buckets)).toBe(9_999);
  });

  it('another salt re-randomises; another experiment is independent', () => {
    const a = spec();
    const b = spec({ salt: 'other' });
    let same = 0;
    for (let i = 0; i < 3000; i++) if (armFor('exp', a, `u${i}`) === armFor('exp', b, `u${i}`)) same++;
    // independent 33/33/34 draws agree about a third of the time
    expect(same / 3000).toBeGreaterThan(0.28);
    expect(same / 3000).toBeLessThan(0.39);
  });

  it('targets by country as given (UK included), segment and rule; others get control, untargeted', () => {
    const s = spec({
      traffic_split: { control: 50, variant_a: 50 },
      targeting: { user_segments: ['new_users', 'mobile_users'], geo_locations: ['US', 'CA', 'UK'] },
    });
    const segments = { new_users: { '==': [{ var: 'visits' }, 1] } };
    const inUk = served('c', s, { targetingKey: 'u1', country: 'UK', visits: 1 }, segments);
    expect(inUk.reason).toBe('TARGETING_MATCH');
    const gb = served('c', s, { targetingKey: 'u1', country: 'GB', visits: 1 }, segments);
    expect(gb).toMatchObject({ value: 'control', reason: 'DEFAULT' });
    const notNew = served('c', s, { targetingKey: 'u1', country: 'US', visits: 3 }, segments);
    expect(notNew).toMatchObject({ value: 'control', reason: 'DEFAULT' });
    // mobile_users does not exist (yet): it admits nobody, new_users still does
    expect(served('c', s, { targetingKey: 'u1', country: 'CA', visits: 1 }, segments).reason).toBe(
      'TARGETING_MATCH',
    );
    const ruled = spec({ targeting: { rule: { '==': [{ var: 'plan' }, 'pro'] } } });
    expect(served('c', ruled, { targetingKey: 'u1', plan: 'free' }).reason).toBe('DEFAULT');
    expect(served('c', ruled, { targetingKey: 'u1', plan: 'pro' }).reason).toBe('TARGETING_MATCH');
    expect(served('c', s, { country: 'US', visits: 1 }, segments).reason).toBe('DEFAULT');
  });

  it('experiments in one layer never share a user', () => {
    const left = spec({ layer: { name: 'checkout', from: 0, to: 40 } });
    const right = spec({ layer: { name: 'checkout', from: 40, to: 100 } });
    let inLeft = 0;
    for (let i = 0; i < 5_000; i++) {
      const user = `u${i}`;
      const a = served('left', left, { targetingKey: user }).reason === 'TARGETING_MATCH';
      const b = served('right', right, { targetingKey: user }).reason === 'TARGETING_MATCH';
      expect(a && b).toBe(false);
      expect(a || b).toBe(true);
      expect(a).toBe(inLayerSlice(left.layer, user));
      if (a) inLeft++;
    }
    expect(Math.abs(inLeft / 5_000 - 0.4)).toBeLessThan(0.03);
  });

  it('draft and stopped serve control to everyone, concluded serves the winner, none assign', () => {
    expect(served('e', spec({ status: 'draft' }), { targetingKey: 'u' })).toMatchObject({
      value: 'control',
      reason: 'STATIC',
    });
    expect(
      served('e', spec({ status: 'concluded', winner: 'variant_b' }), { targetingKey: 'u' }),
    ).toMatchObject({
      value: 'variant_b',
      reason: 'STATIC',
    });
  });

  it('says what a split change does to a running experiment', () => {
    expect(splitChangeEffect({ control: 50, variant_a: 50 }, { control: 50, variant_a: 50 }).movedShare).toBe(
      0,
    );
    const e = splitChangeEffect({ control: 50, variant_a: 50 }, { control: 20, variant_a: 80 });
    expect(e.movedShare).toBeCloseTo(0.3, 12);
    expect(e.description).toMatch(/^30 % of the users/);
  });
});

describe('the experiment schema', () => {
  it('refuses splits without control, not adding up to 100, or a winner that is no arm', () => {
    const bad = (over: Record<string, unknown>) =>
      ExperimentSpecSchema.safeParse({ ...spec(), ...over }).error?.issues.map((i) => i.path.join('.'));
    expect(bad({ traffic_split: { a: 50, b: 50 } })).toEqual(['traffic_split']);
    expect(bad({ traffic_split: { control: 50, b: 40 } })).toEqual(['traffic_split']);
    expect(bad({ traffic_split: { control: 50.005, b: 49.995 } })).toEqual([
      'traffic_split.control',
      'traffic_split.b',
    ]);
    expect(bad({ winner: 'nope' })).toEqual(['winner']);
    expect(bad({ layer: { name: 'l', from: 50, to: 10 } })).toEqual(['layer.to']);
  });
});
