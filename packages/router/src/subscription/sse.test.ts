import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { type SseEvent, SseParser } from './sse.js';

const STREAM =
  ': hello\r\n\r\nevent: snapshot\r\ndata: {"version":1}\r\n\r\n' +
  'event: snapshot\ndata: line one\ndata: line two\nid: 7\n\n' +
  ':keepalive\n\ndata:no-space\r\r';

function parseAll(chunks: string[]) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = new SseParser(
    (e) => events.push(e),
    (c) => comments.push(c),
  );
  for (const c of chunks) parser.feed(c);
  return { events, comments };
}

describe('SSE parser', () => {
  it('parses events, multi-line data, ids and comment heartbeats', () => {
    const { events, comments } = parseAll([STREAM]);
    expect(events).toEqual([
      { event: 'snapshot', data: '{"version":1}', id: undefined },
      { event: 'snapshot', data: 'line one\nline two', id: '7' },
      { event: 'message', data: 'no-space', id: '7' },
    ]);
    expect(comments).toEqual(['hello', 'keepalive']);
  });

  it('gives the same result however the stream is cut into chunks', () => {
    const whole = parseAll([STREAM]);
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(parseAll([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(whole);
    }
    expect(parseAll(STREAM.split(''))).toEqual(whole);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, with jitter in the upper half, and resets', () => {
    const b = new Backoff(100, 1_000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1_000]);
    b.reset();
    expect(b.next()).toBe(100);
    expect(new Backoff(100, 1_000, () => 0).next()).toBe(50);
  });
});
