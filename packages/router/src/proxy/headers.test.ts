import { describe, expect, it } from 'vitest';
import { clientResponseHeaders } from './headers.js';

const raw = (...lines: string[]) => lines.map((l) => Buffer.from(l, 'latin1'));

describe('response headers sent to the client', () => {
  it('keeps every end-to-end line as the upstream wrote it, the same on every response', () => {
    const head = raw('ETag', '"a"', 'etag', '"b"', 'X-A', '1', 'X-B', '2', 'Connection', 'keep-alive');
    for (let i = 0; i < 3; i++) {
      expect(clientResponseHeaders(head)).toEqual(['ETag', '"a"', 'etag', '"b"', 'X-A', '1', 'X-B', '2']);
    }
  });

  it('drops hop-by-hop lines and the ones Connection lists, wherever they come', () => {
    const head = raw(
      'X-Trace',
      '1',
      'Keep-Alive',
      'timeout=5',
      'Connection',
      'Keep-Alive, X-Trace',
      'Server',
      's',
    );
    expect(clientResponseHeaders(head)).toEqual(['Server', 's']);
  });

  it('gives each response its own values when they change from one response to the next', () => {
    const long = 'x'.repeat(200);
    for (let i = 0; i < 40; i++) {
      const date = `Thu, 03 Dec 2026 12:00:${String(i % 60).padStart(2, '0')} GMT`;
      const length = String(i % 3);
      const head = raw(
        'Date',
        date,
        'Content-Length',
        length,
        'X-Long',
        `${long}${i}`,
        'Connection',
        i % 2 ? 'close' : 'keep-alive',
      );
      expect(clientResponseHeaders(head)).toEqual([
        'Date',
        date,
        'Content-Length',
        length,
        'X-Long',
        `${long}${i}`,
      ]);
    }
  });

  it('drops a header a changed Connection value lists', () => {
    expect(clientResponseHeaders(raw('X-A', '1', 'Connection', 'keep-alive'))).toEqual(['X-A', '1']);
    expect(clientResponseHeaders(raw('X-A', '1', 'Connection', 'x-a'))).toEqual([]);
    expect(clientResponseHeaders(raw('X-A', '1', 'Connection', 'keep-alive'))).toEqual(['X-A', '1']);
  });
});
