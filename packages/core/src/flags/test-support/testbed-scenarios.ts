/**
 * The flagd-testbed evaluator suite (open-feature/flagd-testbed, evaluator/gherkin/*.feature at
 * 82ba89ec8db498fa51368e558e4d87642d9e93c4, Apache-2.0), transcribed as data. The flags are
 * evaluator/flags/testkit-flags.json from the same commit, copied next to this file. Only the
 * current behaviour is kept: @fractional-v2 examples, not the legacy @fractional-v1 ones.
 */
import type { FlagValueType, JsonValue } from '../types.js';

export interface Scenario {
  feature: string;
  key: string;
  type: FlagValueType;
  fallback: JsonValue;
  context: Record<string, unknown>;
  value?: JsonValue;
  reason?: string;
  errorCode?: string;
  metadata?: Record<string, unknown>;
}

const s = (
  feature: string,
  key: string,
  type: FlagValueType,
  fallback: JsonValue,
  context: Record<string, unknown>,
  expect: Partial<Pick<Scenario, 'value' | 'reason' | 'errorCode' | 'metadata'>>,
): Scenario => ({ feature, key, type, fallback, context, ...expect });

const template = { showImages: true, title: 'Check out these pics!', imagesPerPage: 100 };
const ballmer = { email: 'ballmer@macrosoft.com' };

export const SCENARIOS: Scenario[] = [
  // evaluation.feature
  s('evaluation', 'boolean-flag', 'boolean', false, {}, { value: true }),
  s('evaluation', 'string-flag', 'string', 'bye', {}, { value: 'hi' }),
  s('evaluation', 'integer-flag', 'number', 1, {}, { value: 10 }),
  s('evaluation', 'float-flag', 'number', 0.1, {}, { value: 0.5 }),
  s('evaluation', 'object-flag', 'object', {}, {}, { value: template }),
  // zero-values.feature
  s('zero-values', 'boolean-zero-flag', 'boolean', true, {}, { value: false, reason: 'STATIC' }),
  s('zero-values', 'string-zero-flag', 'string', 'hi', {}, { value: '', reason: 'STATIC' }),
  s('zero-values', 'integer-zero-flag', 'number', 1, {}, { value: 0, reason: 'STATIC' }),
  s('zero-values', 'float-zero-flag', 'number', 0.1, {}, { value: 0, reason: 'STATIC' }),
  s('zero-values', 'object-zero-flag', 'object', { a: 1 }, {}, { value: {}, reason: 'STATIC' }),
  ...(
    [
      ['boolean-targeted-zero-flag', 'boolean', true, false],
      ['string-targeted-zero-flag', 'string', 'hi', ''],
      ['integer-targeted-zero-flag', 'number', 1, 0],
      ['float-targeted-zero-flag', 'number', 0.1, 0],
    ] as const
  ).flatMap(([key, type, fallback, value]) => [
    s('zero-values', key, type, fallback, ballmer, { value, reason: 'TARGETING_MATCH' }),
    s('zero-values', key, type, fallback, { email: 'ballmer@none.com' }, { value, reason: 'DEFAULT' }),
  ]),
  // errors.feature
  s('errors', 'missing-flag', 'string', 'uh-oh', {}, { errorCode: 'FLAG_NOT_FOUND' }),
  s('errors', 'wrong-flag', 'number', 13, {}, { errorCode: 'TYPE_MISMATCH' }),
  // disabled.feature
  s('disabled', 'disabled-boolean-flag', 'boolean', false, {}, { value: false, reason: 'DISABLED' }),
  s('disabled', 'disabled-string-flag', 'string', 'bye', {}, { value: 'bye', reason: 'DISABLED' }),
  s('disabled', 'disabled-integer-flag', 'number', 1, {}, { value: 1, reason: 'DISABLED' }),
  s('disabled', 'disabled-float-flag', 'number', 0.1, {}, { value: 0.1, reason: 'DISABLED' }),
  s('disabled', 'disabled-object-flag', 'object', {}, {}, { value: {}, reason: 'DISABLED' }),
  // metadata.feature
  s(
    'metadata',
    'metadata-flag',
    'boolean',
    false,
    {},
    {
      metadata: { string: '1.0.2', integer: 2, float: 0.1, boolean: true },
    },
  ),
  s('metadata', 'boolean-flag', 'boolean', true, {}, { metadata: {} }),
  s('metadata', 'integer-flag', 'number', 23, {}, { metadata: {} }),
  s('metadata', 'float-flag', 'number', 2.3, {}, { metadata: {} }),
  s('metadata', 'string-flag', 'string', 'value', {}, { metadata: {} }),
  // no-default-variant.feature
  s(
    'no-default-variant',
    'null-default-flag',
    'boolean',
    true,
    { email: '' },
    { value: true, reason: 'DEFAULT' },
  ),
  s(
    'no-default-variant',
    'null-default-flag',
    'boolean',
    false,
    { email: '' },
    { value: false, reason: 'DEFAULT' },
  ),
  s(
    'no-default-variant',
    'undefined-default-flag',
    'number',
    100,
    { email: '' },
    { value: 100, reason: 'DEFAULT' },
  ),
  s(
    'no-default-variant',
    'no-default-flag-null-targeting-variant',
    'string',
    'Inventor',
    { email: 'wozniak@orange.com' },
    {
      value: 'Inventor',
      reason: 'DEFAULT',
    },
  ),
  s(
    'no-default-variant',
    'no-default-flag-null-targeting-variant',
    'string',
    'CEO',
    { email: 'jobs@orange.com' },
    {
      value: 'CEO',
      reason: 'TARGETING_MATCH',
    },
  ),
  s(
    'no-default-variant',
    'no-default-flag-undefined-targeting-variant',
    'string',
    'Retired',
    { email: 'wozniak@orange.com' },
    {
      value: 'Retired',
      reason: 'DEFAULT',
    },
  ),
  // evaluator-refs.feature
  s('evaluator-refs', 'some-email-targeted-flag', 'string', 'fallback', ballmer, { value: 'hi' }),
  s('evaluator-refs', 'some-other-email-targeted-flag', 'string', 'fallback', ballmer, { value: 'yes' }),
  ...[
    'ref-whitespace-compact-flag',
    'ref-whitespace-space-after-colon-flag',
    'ref-whitespace-space-around-colon-flag',
  ].flatMap((key) => [
    s('evaluator-refs', key, 'string', 'fallback', ballmer, { value: 'hi', reason: 'TARGETING_MATCH' }),
    s(
      'evaluator-refs',
      key,
      'string',
      'fallback',
      { email: 'user@example.com' },
      { value: 'bye', reason: 'TARGETING_MATCH' },
    ),
  ]),
  s(
    'evaluator-refs',
    'ref-to-nonexistent-evaluator-flag',
    'string',
    'fallback',
    {},
    {
      value: 'fallback',
      errorCode: 'PARSE_ERROR',
    },
  ),
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
