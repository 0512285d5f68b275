import { describe, expect, it } from 'vitest';
import { SseParser, type WatchEvent, watch } from './watch';

describe('SSE parser', () => {
  it('joins data lines, keeps partial lines across chunks and skips heartbeats', () => {
    const events: WatchEvent[] = [];
    const p = new SseParser((e) => events.push(e));
    p.push(': heartbeat\n\nevent: run\nid: 7\nda');
    p.push('ta: {"a":1,\r\ndata: "b":2}\r\n\r\n');
    p.push('data: plain\n\n');
    expect(events).toEqual([
      { event: 'run', data: '{"a":1,\n"b":2}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });

  it('sends the token in the Authorization header, never the URL, and reconnects when the stream ends', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const abort = new AbortController();
    const events: string[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, auth: new Headers(init.headers).get('authorization') });
      if (seen.length === 2) queueMicrotask(() => abort.abort());
      return new Response(`event: resource\ndata: {"n":${seen.length}}\n\n`, { status: 200 });
    }) as unknown as typeof fetch;
    await watch({
      url: '/api/v1/watch',
      token: 'secret',
      signal: abort.signal,
      fetchImpl,
      minDelay: 1,
      onEvent: (e) => events.push(e.data),
    });
    expect(seen).toEqual([
      { url: '/api/v1/watch', auth: 'Bearer secret' },
      { url: '/api/v1/watch', auth: 'Bearer secret' },
    ]);
    expect(events).toEqual(['{"n":1}', '{"n":2}']);
  });
});
