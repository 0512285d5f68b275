import { isSluiceError } from '@sluice/core/errors';
import { describe, expect, it } from 'vitest';
import { EMPTY_TRAFFIC } from './model.js';
import { planBackends, planMatchRules, planMirror, planWeights } from './plan.js';
import {
  checkCapabilities,
  matchRuleCapabilities,
  STRATEGY_CAPABILITIES,
  TRAFFIC_CAPABILITIES,
  type TrafficCapabilities,
} from './provider.js';

const all = Object.fromEntries(TRAFFIC_CAPABILITIES.map((c) => [c, true])) as unknown as TrafficCapabilities;
const noMirror = {
  name: 'haproxy',
  capabilities: { ...all, mirror: false, sticky: false, headerMatch: false },
};
const full = { name: 'builtin', capabilities: all };

function codeOf(fn: () => unknown): { code: string; paths: string[] } {
  try {
    fn();
  } catch (e) {
    if (isSluiceError(e)) return { code: e.code, paths: e.fields.map((f) => f.path) };
    throw e;
  }
  throw new Error('expected an error');
}

describe('checkCapabilities', () => {
  it('is empty when everything required is there', () => {
    expect(checkCapabilities(['weights', 'mirror'], full)).toEqual([]);
  });

  it('gives one reason per missing capability, naming the provider and what needs it', () => {
    expect(
      checkCapabilities(
        [{ capability: 'mirror', neededBy: 'stage "shadow-test" (shadow)' }, 'weights', 'sticky', 'sticky'],
        noMirror,
      ),
    ).toEqual([
      'traffic provider "haproxy" cannot mirror (shadow) traffic to a version (needed by stage "shadow-test" (shadow))',
      'traffic provider "haproxy" cannot keep a user on the version they first got (sticky sessions)',
    ]);
  });

  it('maps strategies and match rules to capabilities', () => {
    expect(checkCapabilities(STRATEGY_CAPABILITIES.shadow ?? [], noMirror)).toHaveLength(1);
    expect(checkCapabilities(STRATEGY_CAPABILITIES.canary ?? [], noMirror)).toEqual([]);
    expect(
      matchRuleCapabilities([
        { source: 'header', name: 'a', value: 'b', version: 'v' },
        { source: 'query', name: 'a', value: 'b', version: 'v' },
        { source: 'header', name: 'c', value: 'd', version: 'v' },
      ]),
    ).toEqual(['headerMatch', 'queryMatch']);
  });
});

describe('planning a change against the applied state', () => {
  const applied = planWeights(
    planBackends(EMPTY_TRAFFIC, { stable: ['http://127.0.0.1:1'], canary: ['http://127.0.0.1:2'] }, full),
    { stable: 100 },
    full,
  );

  it('gives new versions weight 0 and keeps existing weights', () => {
    const next = planBackends(applied, { ...applied.backends, extra: ['http://127.0.0.1:3'] }, full);
    expect(next.weights).toEqual({ stable: 100, canary: 0, extra: 0 });
  });

  it('refuses to drop a version that has traffic, a match rule or the mirror', () => {
    expect(codeOf(() => planBackends(applied, { canary: ['http://127.0.0.1:2'] }, full))).toEqual({
      code: 'TRAFFIC_CHANGE_CONFLICT',
      paths: ['backends.stable'],
    });
    const mirrored = planMirror(applied, { version: 'canary', percent: 10 }, full);
    expect(codeOf(() => planBackends(mirrored, { stable: ['http://127.0.0.1:1'] }, full)).code).toBe(
      'TRAFFIC_CHANGE_CONFLICT',
    );
    const pinned = planMatchRules(
      applied,
      [{ source: 'cookie', name: 'c', value: 'v', version: 'canary' }],
      full,
    );
    expect(codeOf(() => planBackends(pinned, { stable: ['http://127.0.0.1:1'] }, full)).paths).toEqual([
      'backends.canary',
    ]);
  });

  it('validates weights: sum, integers, known versions', () => {
    expect(codeOf(() => planWeights(applied, { stable: 60, canary: 30 }, full)).paths).toEqual(['weights']);
    expect(codeOf(() => planWeights(applied, { stable: 99.5, canary: 0.5 }, full)).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(codeOf(() => planWeights(applied, { stable: 50, nope: 50 }, full)).paths).toEqual([
      'weights.nope',
    ]);
    expect(codeOf(() => planWeights(applied, 'all', full)).paths).toEqual(['weights']);
  });

  it('refuses match rules and mirrors the provider cannot do', () => {
    const rule = { source: 'header', name: 'x', value: 'y', version: 'canary' };
    expect(codeOf(() => planMatchRules(applied, [rule], noMirror)).code).toBe('TRAFFIC_CAPABILITY_MISSING');
    expect(codeOf(() => planMirror(applied, { version: 'canary', percent: 5 }, noMirror)).code).toBe(
      'TRAFFIC_CAPABILITY_MISSING',
    );
    expect(planMirror(applied, null, noMirror).mirror).toBeNull();
    expect(codeOf(() => planMirror(applied, { version: 'canary', percent: 0 }, full)).paths).toEqual([
      'mirror.percent',
    ]);
    expect(codeOf(() => planMatchRules(applied, [{ ...rule, source: 'body' }], full)).paths).toEqual([
      'matchRules[0].source',
    ]);
  });
});
