import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaderList } from './headers.js';

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

/** A request as node hands it over: raw lines, and the header object node builds from them. */
function request(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (name === 'cookie') headers[name] = headers[name] === undefined ? value : `${headers[name]}; ${value}`;
    else if (headers[name] === undefined) headers[name] = value;
    else if (name !== 'user-agent') headers[name] = `${headers[name]}, ${value}`;
  }
  return { rawHeaders, headers, socket: { remoteAddress: '10.0.0.1' } } as unknown as IncomingMessage;
}

describe('request headers sent upstream', () => {
  const options = { upstreamHost: 'up:80', preserveHost: false };

  it('treats a name the same however the client spells it, on every request', () => {
    for (const spelling of ['X-Debug', 'x-debug', 'X-DEBUG']) {
      for (const connection of ['keep-alive', `keep-alive, ${spelling}`, 'keep-alive']) {
        const sent = upstreamRequestHeaderList(
          request([
            'Host',
            'a',
            'Connection',
            connection,
            spelling,
            '1',
            'USER-AGENT',
            'u1',
            'User-Agent',
            'u2',
          ]),
          options,
        );
        const kept = connection === 'keep-alive' ? [spelling, '1'] : [];
        expect(sent).toEqual([
          ...kept,
          'USER-AGENT',
          'u1',
          'host',
          'up:80',
          'x-forwarded-for',
          '10.0.0.1',
          'x-forwarded-proto',
          'http',
          'x-forwarded-host',
          'a',
        ]);
      }
    }
  });

  it('sends repeated Cookie lines as one', () => {
    const sent = upstreamRequestHeaderList(request(['Host', 'a', 'Cookie', 'a=1', 'cookie', 'b=2']), options);
    expect(sent.slice(0, 2)).toEqual(['Cookie', 'a=1; b=2']);
  });
});
