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
});
