import { describe, expect, it } from 'vitest';
import { compileFlagSet, evaluate } from './index.js';
import { referenceCore, referenceEvaluate } from './test-support/reference.js';
import { SCENARIOS, type Scenario } from './test-support/testbed-scenarios.js';
import testkit from './test-support/testkit-flags.json' with { type: 'json' };

function check(
  actual: { value: unknown; reason?: string; errorCode?: string; flagMetadata?: unknown },
  s: Scenario,
) {
  if (s.value !== undefined) expect(actual.value).toEqual(s.value);
  if (s.reason !== undefined) expect(actual.reason).toBe(s.reason);
  if (s.errorCode !== undefined) expect(actual.errorCode).toBe(s.errorCode);
  if (s.metadata !== undefined) expect(actual.flagMetadata).toEqual(s.metadata);
}

function passes(actual: Parameters<typeof check>[0], s: Scenario): boolean {
  try {
    check(actual, s);
    return true;
  } catch {
    return false;
  }
}

const label = (s: Scenario) => `${s.feature}: ${s.key} ${JSON.stringify(s.context)}`;

describe('flagd-testbed evaluator suite', () => {
  const set = compileFlagSet(testkit, { mode: 'flagd' });

  it.each(SCENARIOS.map((s) => [label(s), s] as const))('%s', (_, s) => {
    check(evaluate(set, s.key, s.type, s.fallback as never, s.context), s);
  });

  it('transcribes every scenario of the suite (count guards against silent loss)', () => {
    // 125 rows in the feature files; Integer 1 and Float 1 are the same JSON number, so one row
    expect(SCENARIOS.length).toBe(124);
  });

  it('isolates the one flag whose targeting is invalid (flagd mode)', () => {
    expect(set.problems.filter((p) => p.kind === 'parse').map((p) => p.path)).toEqual([
      'flags["ref-to-nonexistent-evaluator-flag"].targeting.if[0].$ref',
    ]);
  });

  it('rejects the suite in strict mode: its deliberate mistakes do not pass write validation', () => {
    expect(() => compileFlagSet(testkit)).toThrow(/problems in the flag set/);
  });

  // Where flagd-core and the testbed disagree, the testbed wins; this list is where they do.
  it('knows exactly where flagd-core (4.0.1) departs from the testbed', () => {
    const core = referenceCore(testkit);
    const failing = SCENARIOS.filter(
      (s) => !passes(referenceEvaluate(core, s.key, s.type, s.fallback, s.context), s),
    );
    expect(failing.map(label)).toEqual([]);
  });
});
