/**
 * The flagd-testbed evaluator suite (open-feature/flagd-testbed, evaluator/gherkin/*.feature at
 * 82ba89ec8db498fa51368e558e4d87642d9e93c4, Apache-2.0), transcribed as data. The flags are
 * evaluator/flags/testkit-flags.json from the same commit, copied next to this file. Only the
 * current behaviour is kept: @fractional-v2 examples, not the legacy @fractional-v1 ones.
 */
import { OPERATOR_SCENARIOS } from './testbed-operators.js';
import { type Scenario, s } from './testbed-scenario.js';

export type { Scenario } from './testbed-scenario.js';

const template = { showImages: true, title: 'Check out these pics!', imagesPerPage: 100 };
const ballmer = { email: 'ballmer@macrosoft.com' };

/** Evaluation, zero values, errors, disabled flags, metadata, missing defaults, `$ref`s. */
const CORE_SCENARIOS: Scenario[] = [
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
];

export const SCENARIOS: Scenario[] = [...CORE_SCENARIOS, ...OPERATOR_SCENARIOS];
