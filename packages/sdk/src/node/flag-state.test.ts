/**
 * A delta applied to a state answers exactly as the whole set compiled from scratch: generated
 * sets, generated writes, removals, prerequisites, kills and emergencies, generated contexts.
 */
import { evaluate, type FlagValueType } from '@sluice/core/flags';
import { describe, expect, it } from 'vitest';
import { applyDelta, compileState, DeltaGap, type FlagState } from './flag-state.js';

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function flagOf(rnd: () => number, keys: string[]) {
  const shape = Math.floor(rnd() * 4);
  const flag: Record<string, unknown> = {
    state: rnd() < 0.9 ? 'ENABLED' : 'DISABLED',
    variants: { on: true, off: false },
    defaultVariant: rnd() < 0.5 ? 'on' : 'off',
  };
  if (shape === 1) flag.targeting = { if: [{ in: ['@beta', { var: 'email' }] }, 'on', null] };
  if (shape === 2)
    flag.targeting = {
      fractional: [
        ['on', 30],
        ['off', 70],
      ],
    };
  if (shape === 3) flag.targeting = { if: [{ segment: 'premium' }, 'on', 'off'] };
  const other = keys[Math.floor(rnd() * keys.length)];
  if (rnd() < 0.2 && other) flag.prerequisites = [{ flag: other, variants: ['on'] }];
  return flag;
}

const sync = (version: number, flags: Record<string, unknown>, killed: string[] = [], emergency = false) => ({
  environment: 'dev',
  version,
  digest: `d${version}`,
  builtAt: new Date(0).toISOString(),
  flags,
  segments: { premium: { '==': [{ var: 'tier' }, 'premium'] } },
  killed,
  emergency,
});

function answers(state: FlagState, contexts: Record<string, unknown>[]) {
  const out: unknown[] = [];
  for (const key of state.set.flags.keys())
    for (const ctx of contexts) {
      const r = evaluate(state.set, key, 'boolean' as FlagValueType, false, ctx, { overlay: state.overlay });
      out.push([key, r.value, r.variant, r.reason, r.errorCode]);
    }
  return out;
}

function answersOf(state: FlagState, key: string, contexts: Record<string, unknown>[]) {
  return contexts.map((ctx) => {
    const r = evaluate(state.set, key, 'boolean' as FlagValueType, false, ctx, { overlay: state.overlay });
    return [r.value, r.variant, r.reason, r.errorCode];
  });
}

/** `keys` and every flag of the state that names one of them as a prerequisite, at any depth. */
function dependentsOf(state: FlagState, keys: string[]): string[] {
  const out = new Set(keys);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, flag] of state.set.flags)
      if (!out.has(key) && flag.prerequisites.some((p) => out.has(p.flag))) {
        out.add(key);
        grew = true;
      }
  }
  return [...out];
}

describe('applyDelta', () => {
  it('answers as the whole set compiled from scratch, change after change', () => {
    const rnd = random(17);
    const contexts = Array.from({ length: 12 }, (_, i) => ({
      targetingKey: `u${i}`,
      email: i % 2 ? `u${i}@beta` : `u${i}@x`,
      tier: i % 3 ? 'basic' : 'premium',
    }));
    // prerequisites only point at earlier flags: no cycles
    const keys: string[] = [];
    const flags: Record<string, unknown> = {};
    for (let i = 0; i < 30; i++) {
      flags[`f${i}`] = flagOf(rnd, keys);
      keys.push(`f${i}`);
    }
    let state = compileState(sync(1, flags));
    let checked = 0;
    for (let v = 2; v < 60; v++) {
      const current = { ...state.sync.flags };
      const changed: Record<string, unknown> = {};
      const removed: string[] = [];
      const target = keys[Math.floor(rnd() * keys.length)] as string;
      const referenced = Object.values(current).some((f) =>
        ((f as { prerequisites?: { flag: string }[] }).prerequisites ?? []).some((p) => p.flag === target),
      );
      if (rnd() < 0.15 && !referenced && Object.hasOwn(current, target)) removed.push(target);
      else
        changed[target] = flagOf(
          rnd,
          keys.slice(0, keys.indexOf(target)).filter((k) => Object.hasOwn(current, k)),
        );
      const killed = rnd() < 0.3 ? [keys[Math.floor(rnd() * keys.length)] as string] : state.sync.killed;
      const emergency = rnd() < 0.1;
      const delta = {
        environment: 'dev',
        version: v,
        digest: `d${v}`,
        base: v - 1,
        builtAt: '',
        changed,
        removed,
        killed,
        emergency,
      };
      const { state: next, flagsChanged } = applyDelta(state, delta);
      // a write of the definition already held changes nothing
      const rewritten = Object.keys(changed).filter(
        (k) => JSON.stringify(changed[k]) !== JSON.stringify(current[k]),
      );
      const killMoved = [...new Set([...killed, ...state.sync.killed])].filter(
        (k) => killed.includes(k) !== state.sync.killed.includes(k),
      );
      for (const key of removed) delete current[key];
      Object.assign(current, changed);
      const whole = compileState(sync(v, current, killed, emergency));
      expect(answers(next, contexts)).toEqual(answers(whole, contexts));
      expect(flagsChanged).toEqual(expect.arrayContaining([...removed, ...rewritten]));
      // every flag that answers differently is announced, a prerequisite's dependents too
      const moved = [...next.set.flags.keys()].filter(
        (key) =>
          JSON.stringify(answersOf(state, key, contexts)) !== JSON.stringify(answersOf(next, key, contexts)),
      );
      expect(flagsChanged).toEqual(expect.arrayContaining(moved));
      if (emergency === state.sync.emergency)
        expect(dependentsOf(next, [...removed, ...rewritten, ...killMoved])).toEqual(
          expect.arrayContaining(flagsChanged),
        );
      state = next;
      checked++;
    }
    expect(checked).toBe(58);
  });

  it('refuses a delta that does not start from the version held', () => {
    const state = compileState(
      sync(3, { a: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } }),
    );
    const delta = {
      environment: 'dev',
      version: 6,
      digest: 'd6',
      base: 5,
      builtAt: '',
      changed: {},
      removed: [],
      killed: [],
      emergency: false,
    };
    expect(() => applyDelta(state, delta)).toThrow(DeltaGap);
  });
});
