/**
 * The flagd-testbed scenarios for flagd's custom operations (fractional, sem_ver, string
 * comparisons) and targeting, transcribed as data; see testbed-scenarios.ts for the source.
 */
import { type Scenario, s } from './testbed-scenario.js';

export const OPERATOR_SCENARIOS: Scenario[] = [
  // fractional.feature (@fractional-v2)
  ...(
    [
      ['jack', 'hearts'],
      ['queen', 'spades'],
      ['ten', 'clubs'],
      ['nine', 'diamonds'],
      ['3', 'clubs'],
    ] as const
  ).map(([name, value]) =>
    s('fractional', 'fractional-flag', 'string', 'fallback', { user: { name } }, { value }),
  ),
  s(
    'fractional',
    'fractional-flag-shorthand',
    'string',
    'fallback',
    { targetingKey: 'jon@company.com' },
    { value: 'heads' },
  ),
  s(
    'fractional',
    'fractional-flag-shorthand',
    'string',
    'fallback',
    { targetingKey: 'jane@company.com' },
    { value: 'tails' },
  ),
  ...(
    [
      ['seven', 'hearts', 'ace-of-hearts'],
      ['eight', 'diamonds', 'ace-of-diamonds'],
      ['nine', 'clubs', 'ace-of-clubs'],
      ['two', 'spades', 'ace-of-spades'],
    ] as const
  ).flatMap(([name, a, b]) => [
    s('fractional', 'fractional-flag-A-shared-seed', 'string', 'fallback', { user: { name } }, { value: a }),
    s('fractional', 'fractional-flag-B-shared-seed', 'string', 'fallback', { user: { name } }, { value: b }),
  ]),
  s(
    'fractional',
    'fractional-single-entry-flag',
    'string',
    'fallback',
    { targetingKey: 'some-targeting-key' },
    { value: 'single' },
  ),
  ...(
    [
      ['ejOoVL', 'lower'],
      ['bY9fO-', 'lower'],
      ['SI7p-', 'lower'],
      ['6LvT0', 'upper'],
      ['ceQdGm', 'upper'],
    ] as const
  ).map(([key, value]) =>
    s('fractional', 'fractional-hash-edge-flag', 'string', 'fallback', { targetingKey: key }, { value }),
  ),
  ...(
    [
      ['jon@company.com', 'premium', 'premium'],
      ['jon@company.com', 'basic', 'standard'],
      ['user1', 'premium', 'standard'],
      ['user1', 'basic', 'standard'],
    ] as const
  ).map(([targetingKey, tier, value]) =>
    s('fractional', 'fractional-nested-if-flag', 'string', 'fallback', { targetingKey, tier }, { value }),
  ),
  ...(
    [
      ['jon@company.com', 'red', 'red'],
      ['jon@company.com', 'green', 'green'],
      ['user1', 'red', 'blue'],
      ['jon@company.com', 'yellow', 'fallback'],
      ['jon@company.com', '', 'fallback'],
    ] as const
  ).map(([targetingKey, color, value]) =>
    s('fractional', 'fractional-nested-var-flag', 'string', 'fallback', { targetingKey, color }, { value }),
  ),
  ...(
    [
      ['jon@company.com', 'premium', 'red'],
      ['jon@company.com', 'basic', 'blue'],
      ['user1', 'premium', 'red'],
      ['user1', 'basic', 'blue'],
    ] as const
  ).map(([targetingKey, tier, value]) =>
    s('fractional', 'fractional-nested-weight-flag', 'string', 'fallback', { targetingKey, tier }, { value }),
  ),
  s(
    'fractional',
    'fractional-as-condition-flag',
    'string',
    'zero',
    { targetingKey: 'some-targeting-key' },
    { value: 'hundreds' },
  ),
  s(
    'fractional',
    'fractional-as-condition-false-flag',
    'string',
    'zero',
    { targetingKey: 'some-targeting-key' },
    { value: 'ones' },
  ),
  s(
    'fractional',
    'fractional-null-bucket-key-flag',
    'string',
    'wrong',
    {},
    { value: 'fallback', reason: 'DEFAULT' },
  ),
  s(
    'fractional',
    'fractional-zero-weights-flag',
    'string',
    'wrong',
    { targetingKey: 'any-user' },
    {
      value: 'fallback',
      reason: 'DEFAULT',
    },
  ),
  s(
    'fractional',
    'fractional-negative-weight-flag',
    'string',
    'wrong',
    { targetingKey: 'any-user' },
    { value: 'two' },
  ),
  // semver.feature
  ...(
    [
      ['2.0.0', 'equal'],
      ['2.1.0', 'greater'],
      ['1.9.0', 'lesser'],
      ['2.0.0-alpha', 'lesser'],
      ['2.0.0.0', 'none'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'equal-greater-lesser-version-flag', 'string', 'fallback', { version }, { value }),
  ),
  ...(
    [
      ['3.0.1', 'minor'],
      ['3.1.0', 'major'],
      ['4.0.0', 'none'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'major-minor-version-flag', 'string', 'fallback', { version }, { value }),
  ),
  s(
    'semver',
    'semver-invalid-version-flag',
    'string',
    'wrong',
    { version: 'not-a-version' },
    { value: 'fallback', reason: 'DEFAULT' },
  ),
  s(
    'semver',
    'semver-invalid-operator-flag',
    'string',
    'wrong',
    { version: '1.0.0' },
    { value: 'fallback', reason: 'DEFAULT' },
  ),
  ...(
    [
      ['1.0.0', 'match'],
      ['v1.0.0', 'match'],
      ['V1.0.0', 'match'],
      ['2.0.0', 'no-match'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'semver-v-prefix-flag', 'string', 'fallback', { version }, { value }),
  ),
  ...(
    [
      ['1.5.0', 'match'],
      ['1.0.0', 'match'],
      ['1.0', 'match'],
      ['1', 'match'],
      [1, 'match'],
      [1.2, 'match'],
      ['2.0.0', 'no-match'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'semver-partial-version-flag', 'string', 'fallback', { version }, { value }),
  ),
  ...(
    [
      [1.2, 'match'],
      [1.1, 'no-match'],
      [2, 'match'],
      [1, 'no-match'],
      ['1.2', 'match'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'semver-numeric-context-flag', 'string', 'fallback', { version }, { value }),
  ),
  ...(
    [
      ['1.0.0', 'match'],
      ['1.0.0+other', 'match'],
      ['2.0.0', 'no-match'],
    ] as const
  ).map(([version, value]) =>
    s('semver', 'semver-build-metadata-flag', 'string', 'fallback', { version }, { value }),
  ),
  s(
    'semver',
    'semver-wrong-args-flag',
    'string',
    'wrong',
    { version: '1.0.0' },
    { value: 'fallback', reason: 'DEFAULT' },
  ),
  // string.feature
  ...(
    [
      ['abcdef', 'prefix'],
      ['uvwxyz', 'postfix'],
      ['abcxyz', 'prefix'],
      ['lmnopq', 'none'],
    ] as const
  ).map(([id, value]) => s('string', 'starts-ends-flag', 'string', 'fallback', { id }, { value })),
  ...['starts-with-non-string-flag', 'ends-with-non-string-flag'].map((key) =>
    s('string', key, 'string', 'wrong', { num: 123 }, { value: 'fallback', reason: 'DEFAULT' }),
  ),
  ...['starts-with-wrong-args-flag', 'ends-with-wrong-args-flag'].map((key) =>
    s('string', key, 'string', 'wrong', {}, { value: 'fallback', reason: 'DEFAULT' }),
  ),
  // targeting.feature
  s(
    'targeting',
    'targeting-key-flag',
    'string',
    'fallback',
    { targetingKey: '5c3d8535-f81a-4478-a6d3-afaa4d51199e' },
    {
      value: 'hit',
      reason: 'TARGETING_MATCH',
    },
  ),
  s(
    'targeting',
    'targeting-key-flag',
    'string',
    'fallback',
    { targetingKey: 'f20bd32d-703b-48b6-bc8e-79d53c85134a' },
    {
      value: 'miss',
      reason: 'DEFAULT',
    },
  ),
];
