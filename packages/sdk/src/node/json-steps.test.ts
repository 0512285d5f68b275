/**
 * JSON.parse in steps gives what JSON.parse gives, value or error, on payloads large enough to be
 * cut up: strings holding quotes, backslashes and brackets, odd spacing, duplicate and
 * `__proto__` keys, and broken texts.
 */
import { describe, expect, it } from 'vitest';
import { runSteps } from './flag-state.js';
import { jsonSteps } from './json-steps.js';

function stepsOf(text: string): { value: unknown; steps: number } {
  const steps = jsonSteps(text);
  for (let n = 0; ; n++) {
    const step = steps.next();
    if (step.done) return { value: step.value, steps: n };
  }
}

const awkward = ['a"b', 'back\\slash\\', '{[}]', '\\"', 'é ☃ \u2028', 'ends with \\\\', ''];

function payload(flags: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < flags; i++) {
    out[`flag-${i}`] = {
      state: 'ENABLED',
      variants: { on: { text: awkward[i % awkward.length], n: i * 1.5e-3, list: [[], {}, [null, true]] } },
      defaultVariant: 'on',
      targeting: { if: [{ in: [awkward[(i + 3) % awkward.length], { var: 'email' }] }, 'on', null] },
    };
  }
  return { environment: 'production', version: 7, digest: 'd', flags: out, segments: {}, killed: [] };
}

describe('jsonSteps', () => {
  it('parses a large payload as JSON.parse does, a step per flag', () => {
    const text = JSON.stringify(payload(600));
    expect(text.length).toBeGreaterThan(64 * 1024);
    const { value, steps } = stepsOf(text);
    expect(value).toEqual(JSON.parse(text));
    expect(steps).toBeGreaterThanOrEqual(600);
    const spaced = JSON.stringify(payload(600), null, 3).replace(/,\n/g, ' ,\r\n\t');
    expect(stepsOf(spaced).value).toEqual(JSON.parse(spaced));
  });

  it('keeps JSON.parse semantics for duplicate keys and __proto__', () => {
    const text = JSON.stringify(payload(600));
    const twice = `${text.slice(0, -1)},"version":8,"flags":{"a":1,"a":2}}`;
    expect(runSteps(jsonSteps(twice))).toEqual(JSON.parse(twice));
    const proto = text.replace('"flags":{', '"flags":{"__proto__":{"polluted":true},');
    const parsed = runSteps(jsonSteps(proto)) as { flags: object };
    expect(Object.getPrototypeOf(parsed.flags)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.flags, '__proto__')).toBe(true);
    expect(parsed).toEqual(JSON.parse(proto));
  });

  it('throws the error JSON.parse throws for a broken text', () => {
    const text = JSON.stringify(payload(600));
    const broken = [
      text.slice(0, -2),
      `${text} x`,
      text.replace('"state":"ENABLED"', '"state":ENABLED'),
      text.replace('"killed":[]', '"killed":[],'),
      text.replace('{"state"', '{"state":"a" "b"'),
      text.replace('"flag-3":', '"flag-3"'),
    ];
    for (const bad of broken) {
      let expected: unknown;
      try {
        JSON.parse(bad);
      } catch (error) {
        expected = error;
      }
      expect(expected).toBeInstanceOf(SyntaxError);
      expect(() => runSteps(jsonSteps(bad))).toThrow((expected as Error).message);
    }
  });
});
