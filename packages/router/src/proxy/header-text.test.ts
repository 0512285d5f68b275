import { describe, expect, it } from 'vitest';
import { headerName, headerValue } from './header-text.js';

describe('response header text', () => {
  it('reuses a repeated value of an ordinary header', () => {
    const name = headerName(Buffer.from('X-Served-By'));
    expect(headerValue(name, Buffer.from('edge-1'))).toBe('edge-1');
    expect(headerValue(name, Buffer.from('edge-1'))).toBe('edge-1');
    expect(name.lastText).toBe('edge-1');
    expect(headerValue(name, Buffer.from('edge-2'))).toBe('edge-2');
  });

  it('never keeps the value of a credential header, nor a name longer than any real one', () => {
    const cookie = headerName(Buffer.from('Set-Cookie'));
    expect(headerValue(cookie, Buffer.from('sid=secret-1'))).toBe('sid=secret-1');
    expect(headerValue(cookie, Buffer.from('sid=secret-1'))).toBe('sid=secret-1');
    expect(cookie.lastValue).toBeUndefined();
    expect(cookie.lastText).toBe('');
    const long = `X-${'a'.repeat(100)}`;
    const first = headerName(Buffer.from(long));
    expect(first.text).toBe(long);
    expect(headerName(Buffer.from(long))).not.toBe(first);
  });
});
