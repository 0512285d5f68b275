/**
 * The judge under continuous monitoring, by simulation: canaries identical to their baseline,
 * checked every second, must be failed no more often than 1 − confidence; real regressions
 * must be caught. Seeded (STATS_SEED reruns with another seed).
 */
import { describe, expect, it } from 'vitest';
import { rng, SEED } from '../stats/test-support/random.js';
import {
  type Assessment,
  assess,
  type CompareMemory,
  type Measurement,
  normalizeThresholds,
  policyOf,
} from './index.js';
import { binomial } from './test-support/traffic.js';

const PER_SECOND = 20;
const policy = policyOf({ confidence: 0.99 });
const thresholds = normalizeThresholds({ error_rate: 1 });

/** One canary looked at every second for `seconds`; the second it failed, or null. */
function watch(r: ReturnType<typeof rng>, canaryRate: number, seconds: number): number | null {
  let memory: CompareMemory | undefined;
  for (let s = 1; s <= seconds; s++) {
    const c = binomial(r, PER_SECOND, canaryRate);
    const b = binomial(r, PER_SECOND, 0.005);
    const m: Measurement = {
      metric: 'error_rate',
      value: (c / PER_SECOND) * 100,
      sampleCount: PER_SECOND,
      evidence: {
        statistic: 'rate',
        version: { events: c, total: PER_SECOND },
        baseline: { events: b, total: PER_SECOND },
      },
    };
    // each reading covers the second just ended
    const a: Assessment = assess([m], thresholds, {
      policy,
      now: s * 1000,
      windowMs: 1000,
      ...(memory ? { memory } : {}),
    });
    memory = a.memory;
    if (a.verdict === 'fail') return s;
  }
  return null;
}

describe('the error-rate judge checked every second', () => {
  it('fails at most 1 − confidence of 10,000 canaries identical to their baseline (2 minutes each)', () => {
    const r = rng(SEED);
    let alarms = 0;
    for (let i = 0; i < 10_000; i++) if (watch(r, 0.005, 120) !== null) alarms++;
    console.log(
      `identical: seed ${SEED}, ${alarms} of 10,000 failed (allowed ${10_000 * (1 - policy.confidence)})`,
    );
    expect(alarms / 10_000).toBeLessThanOrEqual(1 - policy.confidence);
  });

  it('catches a doubled error rate (0.5 % → 1 %) in at least 95 of 100 canaries within an hour', () => {
    const r = rng(SEED + 1);
    const caught: number[] = [];
    for (let i = 0; i < 100; i++) {
      const at = watch(r, 0.01, 3600);
      if (at !== null) caught.push(at);
    }
    caught.sort((x, y) => x - y);
    console.log(`doubled: seed ${SEED + 1}, caught ${caught.length} of 100, median after ${caught[49]} s`);
    expect(caught.length).toBeGreaterThanOrEqual(95);
  });

  it('fails a canary answering every request with an error at its first look', () => {
    expect(watch(rng(SEED + 2), 1, 60)).toBe(1);
  });
});
