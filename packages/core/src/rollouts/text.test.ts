import { describe, expect, it } from 'vitest';
import { closest, didYouMean, formatDuration, levenshtein, parseDuration, slugify } from './text.js';

describe('text helpers', () => {
  it('slugifies plan names', () => {
    expect(slugify('Multi-Stage Feature Release')).toBe('multi-stage-feature-release');
    expect(slugify('  Café  Rollout v2.0 ')).toBe('cafe-rollout-v2-0');
  });

  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests only close words', () => {
    expect(closest('intial_weight', ['initial_weight', 'increment'])).toBe('initial_weight');
    expect(closest('zzzzzz', ['initial_weight'])).toBeUndefined();
    expect(didYouMean('dependncies', ['dependencies', 'gates'])).toBe('; did you mean `dependencies`?');
  });

  it('parses and formats durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('10 minutes')).toThrow(/not a duration/);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});
