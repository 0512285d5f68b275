/**
 * The stepped compile: one step per flag, and a compile that reuses a previous one's flags
 * answers exactly as a compile from scratch (definitions, segments, metadata, the set's budget).
 */
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors/index.js';
import {
  type CompiledFlagSet,
  compileFlagSet,
  compileFlagSetInSteps,
  evaluate,
  FlagSetDocumentSchema,
  type SteppedCompile,
  type SteppedCompileOptions,
} from './index.js';

function run(doc: unknown, options: SteppedCompileOptions): { result: SteppedCompile; steps: number } {
  const steps = compileFlagSetInSteps(doc, options);
  for (let n = 0; ; n++) {
    const step = steps.next();
    if (step.done) return { result: step.value, steps: n };
  }
}

const contexts = Array.from({ length: 20 }, (_, i) => ({
  targetingKey: `u${i}`,
  email: i % 2 ? `u${i}@beta.example` : `u${i}@x.example`,
  tier: i % 3 ? 'basic' : 'premium',
  n: i * 150,
}));

function answers(set: CompiledFlagSet) {
  return [...set.flags.keys()].flatMap((key) =>
    contexts.map((ctx) => {
      const r = evaluate(set, key, 'boolean', false, ctx);
      return [key, r.value, r.variant, r.reason, r.errorCode, r.errorMessage];
    }),
  );
}

/** Same answers and problems as the set compiled from scratch. */
function expectSameAsScratch(set: CompiledFlagSet, doc: unknown, segments: Record<string, unknown>) {
  const scratch = compileFlagSet(doc, { mode: 'flagd', segments });
  expect(answers(set)).toEqual(answers(scratch));
  expect(set.problems).toEqual(scratch.problems);
  expect(set.document).toEqual(scratch.document);
}

const flag = (targeting?: unknown) => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  ...(targeting === undefined ? {} : { targeting }),
});

describe('compileFlagSetInSteps', () => {
  const segments = { premium: { '==': [{ var: 'tier' }, 'premium'] } };
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++) {
    flags[`f${i}`] = flag(
      i % 3 === 0
        ? { if: [{ ends_with: [{ var: 'email' }, '@beta.example'] }, 'on', null] }
        : i % 3 === 1
          ? { if: [{ segment: 'premium' }, 'on', 'off'] }
          : undefined,
    );
  }
  const doc = { flags, metadata: { team: 'a' } };

  it('takes one step per flag and ends with the set compileFlagSet makes', () => {
    const { result, steps } = run(doc, { mode: 'flagd', segments });
    expect(steps).toBe(30);
    expectSameAsScratch(result.set, doc, segments);
    expect(result.sources).toBeUndefined();
  });

  it('reuses the compiled flags whose definitions are unchanged (same text, new objects)', () => {
    const first = run(doc, { mode: 'flagd', segments, keepSources: true }).result;
    const next = JSON.parse(JSON.stringify(doc));
    next.flags.f3 = flag({ if: [{ ends_with: [{ var: 'email' }, '@x.example'] }, 'on', null] });
    next.flags.f30 = flag({ if: [{ segment: 'premium' }, 'on', 'off'] });
    delete next.flags.f4;
    const second = run(next, { mode: 'flagd', segments, reuse: first.sources }).result;
    expectSameAsScratch(second.set, next, segments);
    const fresh = [...second.set.flags].filter(([k, f]) => first.set.flags.get(k) !== f).map(([k]) => k);
    expect(fresh).toEqual(['f3', 'f30']);
  });

  it('reuses nothing when a segment or the set metadata changes', () => {
    const first = run(doc, { mode: 'flagd', segments, keepSources: true }).result;
    const otherSegments = { premium: { '==': [{ var: 'tier' }, 'basic'] } };
    const bySegment = run(doc, { mode: 'flagd', segments: otherSegments, reuse: first.sources }).result;
    expectSameAsScratch(bySegment.set, doc, otherSegments);
    const byMetadata = { ...doc, metadata: { team: 'b' } };
    const byMeta = run(byMetadata, { mode: 'flagd', segments, reuse: first.sources }).result;
    expectSameAsScratch(byMeta.set, byMetadata, segments);
    for (const set of [bySegment.set, byMeta.set])
      for (const [key, f] of set.flags) expect(first.set.flags.get(key)).not.toBe(f);
  });

  it("compiles as from scratch where the set's operation budget binds", () => {
    // about 6,000 operations a flag: 33 of them fit the set's 200,000
    const heavy = (i: number) =>
      flag({
        if: [{ or: Array.from({ length: 3000 + i }, (_, j) => ({ '==': [{ var: 'n' }, j] })) }, 'on', 'off'],
      });
    const all: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) all[`h${i}`] = heavy(i);
    const tail = Object.fromEntries(Object.entries(all).slice(10));
    const whole = run({ flags: all }, { mode: 'flagd', keepSources: true }).result;
    expect(whole.set.flags.get('h39')?.parseError).toMatch(/200,000 operations/);
    // fewer flags before them: the ones refused before now fit
    const fewer = run({ flags: tail }, { mode: 'flagd', reuse: whole.sources }).result;
    expectSameAsScratch(fewer.set, { flags: tail }, {});
    expect(fewer.set.flags.get('h39')?.parseError).toBeUndefined();
    // more flags before them: the ones that fitted are refused now
    const more = run({ flags: all }, { mode: 'flagd', reuse: fewer.sources }).result;
    expectSameAsScratch(more.set, { flags: all }, {});
    expect(more.set.flags.get('h39')?.parseError).toMatch(/200,000 operations/);
  });

  it('refuses a set with a bad flag naming every problem of the document, as the schema does', () => {
    const bad = { flags: { ...flags, f7: { state: 'ON', variants: { on: true } }, Bad$key: flag() } };
    let fields: unknown;
    try {
      run(bad, { mode: 'flagd', segments, keepSources: true });
    } catch (error) {
      if (isSluiceError(error, 'FLAG_DEFINITION_INVALID')) fields = error.fields;
    }
    const schema = FlagSetDocumentSchema.safeParse(bad);
    expect(schema.success).toBe(false);
    expect(fields).toHaveLength(schema.error?.issues.length ?? 0);
    expect(fields).toEqual([
      { path: 'flags.f7.state', message: expect.any(String) },
      { path: 'flags.Bad$key', message: expect.stringMatching(/^flag keys are/) },
    ]);
  });
});
