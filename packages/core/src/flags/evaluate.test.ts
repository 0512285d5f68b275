import { describe, expect, it } from 'vitest';
import { compileFlagSet, evaluate, evaluateAll } from './index.js';

const set = compileFlagSet({
  flags: {
    static: { state: 'ENABLED', variants: { a: { deep: { list: [1] } }, b: {} }, defaultVariant: 'a' },
    clock: {
      state: 'ENABLED',
      variants: { before: 'before', after: 'after', unknown: 'unknown' },
      defaultVariant: 'unknown',
      targeting: {
        if: [
          { missing: ['$flagd.timestamp'] },
          'unknown',
          { '<': [{ var: '$flagd.timestamp' }, 1_700_000_000] },
          'before',
          'after',
        ],
      },
    },
    whoami: {
      state: 'ENABLED',
      variants: { me: 'me', other: 'other' },
      defaultVariant: 'other',
      targeting: { if: [{ '==': [{ var: '$flagd.flagKey' }, 'whoami'] }, 'me', 'other'] },
    },
    numeric: {
      state: 'ENABLED',
      variants: { low: 1, high: 100 },
      defaultVariant: 'low',
      targeting: { if: [{ '>': [{ var: 'score' }, 50] }, 'high'] },
    },
    off: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    noDefault: { state: 'ENABLED', variants: { on: true, off: false } },
  },
  metadata: { flagSetId: 'test' },
});

describe('evaluate', () => {
  it('answers FLAG_NOT_FOUND with the flag set metadata', () => {
    expect(evaluate(set, 'ghost', 'string', 'd', {})).toEqual({
      value: 'd',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: "flag 'ghost' not found",
      flagMetadata: { flagSetId: 'test' },
    });
  });

  it('rejects contexts that are not JSON objects, or a targeting key that is not a string', () => {
    for (const context of [[1, 2], 'user', 42, new Date(0)]) {
      expect(evaluate(set, 'numeric', 'number', 0, context)).toMatchObject({
        value: 0,
        errorCode: 'INVALID_CONTEXT',
      });
    }
    expect(evaluate(set, 'numeric', 'number', 0, { targetingKey: 7 })).toMatchObject({
      errorCode: 'INVALID_CONTEXT',
    });
    expect(evaluate(set, 'numeric', 'number', 0, undefined)).toMatchObject({ value: 1, reason: 'DEFAULT' });
  });

  it('never throws: a context the rule cannot compare gives GENERAL', () => {
    expect(evaluate(set, 'numeric', 'number', 0, { score: 10n })).toMatchObject({
      value: 0,
      errorCode: 'GENERAL',
    });
    expect(evaluate(set, 'numeric', 'number', 0, { score: { nested: true } })).toMatchObject({
      errorCode: 'GENERAL',
    });
    const cyclic: Record<string, unknown> = { score: 70 };
    cyclic.self = cyclic;
    expect(evaluate(set, 'numeric', 'number', 0, cyclic)).toMatchObject({ value: 100, variant: 'high' });
  });

  it('gives rules $flagd.timestamp from `now`, and nothing without it', () => {
    expect(evaluate(set, 'clock', 'string', 'x', {}, { now: 1_600_000_000 }).value).toBe('before');
    expect(evaluate(set, 'clock', 'string', 'x', {}, { now: 1_800_000_000 }).value).toBe('after');
    expect(evaluate(set, 'clock', 'string', 'x', {}).value).toBe('unknown');
  });

  it('reads a clock only for a rule that reads $flagd.timestamp, once per evaluation; `now` wins', () => {
    let reads = 0;
    const clock = () => {
      reads++;
      return 1_800_000_000;
    };
    expect(evaluate(set, 'static', 'object', {}, {}, { clock }).reason).toBe('STATIC');
    expect(evaluate(set, 'whoami', 'string', 'x', {}, { clock }).value).toBe('me');
    expect(reads).toBe(0);
    expect(evaluate(set, 'clock', 'string', 'x', {}, { clock }).value).toBe('after');
    expect(reads).toBe(1);
    expect(evaluate(set, 'clock', 'string', 'x', {}, { clock, now: 1_600_000_000 }).value).toBe('before');
    expect(reads).toBe(1);
    expect(evaluate(set, 'clock', 'string', 'x', {}).value).toBe('unknown');
  });

  it('gives rules $flagd.flagKey, which a caller cannot override', () => {
    expect(evaluate(set, 'whoami', 'string', 'x', { $flagd: { flagKey: 'other' } }).value).toBe('me');
  });

  it('checks the requested type', () => {
    expect(evaluate(set, 'numeric', 'string', 'd', {})).toMatchObject({
      value: 'd',
      errorCode: 'TYPE_MISMATCH',
    });
    expect(evaluate(set, 'static', 'object', null, {})).toMatchObject({ variant: 'a', reason: 'STATIC' });
  });

  it('shares frozen results for everything that does not carry the caller default', () => {
    const first = evaluate(set, 'static', 'object', null, {});
    expect(evaluate(set, 'static', 'object', {}, { other: 1 })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first.value as { deep: { list: number[] } }).deep.list.push(2);
    }).toThrow(TypeError);
    expect(evaluate(set, 'numeric', 'number', 0, { score: 80 })).toBe(
      evaluate(set, 'numeric', 'number', 5, { score: 99 }),
    );
  });

  it('does not share variant objects with the document it compiled', () => {
    const doc = { flags: { f: { state: 'ENABLED', variants: { a: { n: 1 } }, defaultVariant: 'a' } } };
    const compiled = compileFlagSet(doc);
    doc.flags.f.variants.a.n = 2;
    expect(evaluate(compiled, 'f', 'object', null, {}).value).toEqual({ n: 1 });
  });
});

describe('evaluateAll', () => {
  it('evaluates every flag without a type; caller-default entries have no value', () => {
    const all = evaluateAll(set, { score: 75 }, { now: 1_800_000_000 });
    const byKey = Object.fromEntries(all.map((entry) => [entry.key, entry]));
    expect(Object.keys(byKey)).toEqual(['static', 'clock', 'whoami', 'numeric', 'off', 'noDefault']);
    expect(byKey.numeric).toMatchObject({ value: 100, variant: 'high', reason: 'TARGETING_MATCH' });
    expect(byKey.clock).toMatchObject({ value: 'after' });
    expect(byKey.off).toEqual({ key: 'off', reason: 'DISABLED', flagMetadata: { flagSetId: 'test' } });
    expect(byKey.noDefault).toEqual({
      key: 'noDefault',
      reason: 'DEFAULT',
      flagMetadata: { flagSetId: 'test' },
    });
  });
});
