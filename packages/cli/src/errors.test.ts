import { describe, expect, it } from 'vitest';
import { CliError, formatError } from './errors.js';

describe('formatError', () => {
  it('prints title, detail and each bad field, but not a field the detail already says', () => {
    const unreadable = new CliError(
      'A manifest file cannot be read',
      '/nope.yaml: no such file or directory',
      [{ path: '/nope.yaml', message: 'no such file or directory' }],
      1,
      'MANIFEST_UNREADABLE',
    );
    expect(formatError(unreadable)).toBe(
      'error: A manifest file cannot be read (MANIFEST_UNREADABLE)\n  /nope.yaml: no such file or directory\n',
    );
    const invalid = new CliError('Validation failed', '2 fields are not valid', [
      { path: 'spec.a', message: 'required' },
      { path: 'spec.b', message: 'too long' },
    ]);
    expect(formatError(invalid)).toBe(
      'error: Validation failed\n  2 fields are not valid\n  - spec.a: required\n  - spec.b: too long\n',
    );
  });
});
