import { describe, expect, it } from 'vitest';
import { bearerSecret } from './auth.js';

/** The rule the fast path must agree with: `Bearer`, spaces, the token, optional trailing spaces. */
function byRule(value: string): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] ?? null;
}

function outcome(value: string): string | null {
  try {
    return bearerSecret(value);
  } catch {
    return null;
  }
}

describe('bearerSecret', () => {
  it('reads the token of every form the rule accepts and refuses the others', () => {
    const forms = [
      'Bearer abc.def-123',
      'bearer abc',
      'BEARER abc',
      'Bearer  abc',
      'Bearer\tabc',
      'Bearer abc ',
      'Bearer abc def',
      'Bearer ',
      'Bearer',
      'Bearerabc',
      'Bearer ab\u00a0c',
      'Bearer ab\u0000c',
      'Bearer ab\u00e9c',
      'Basic abc',
      '',
    ];
    for (const form of forms) expect(outcome(form), JSON.stringify(form)).toBe(byRule(form));
  });

  it('refuses a malformed header with 401 and reads no header as no token', () => {
    expect(() => bearerSecret('Bearer ')).toThrow(/Bearer <token>/);
    expect(bearerSecret(undefined)).toBeNull();
    expect(bearerSecret(['Bearer first', 'Bearer second'])).toBe('first');
  });
});
