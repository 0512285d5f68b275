/**
 * The impression counter on its own, with a `send` that records batches or fails on demand: the
 * bound on distinct tallies, counts kept across a failed send and merged with newer ones, refused
 * batches dropped, large counts split into batches the server takes.
 */
import {
  type ImpressionBatch,
  ImpressionBatchSchema,
  MAX_IMPRESSION_COUNT,
  MAX_IMPRESSION_ITEMS,
} from '@sluice/core/flags';
import { describe, expect, it } from 'vitest';
import { ImpressionCounter } from './impressions.js';

function counter(maxTallies = 100) {
  const sent: ImpressionBatch[] = [];
  let answer: 'sent' | 'refused' | 'fail' = 'sent';
  let clock = 1_000;
  const c = new ImpressionCounter({
    maxTallies,
    now: () => clock,
    send: async (batch) => {
      // every batch must be one the server accepts
      ImpressionBatchSchema.parse(batch);
      if (answer === 'fail') throw new Error('connection refused');
      sent.push(batch);
      return answer;
    },
  });
  return {
    c,
    sent,
    answer: (a: typeof answer) => {
      answer = a;
    },
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

describe('ImpressionCounter', () => {
  it('sends counts per flag, variant and reason for the interval since the last send', async () => {
    const { c, sent, tick } = counter();
    for (let i = 0; i < 3; i++) c.count('a', 'on', 'TARGETING_MATCH');
    c.count('a', 'off', 'DEFAULT');
    c.count('a', 'off', 'DEFAULT');
    c.count('b', undefined, 'DISABLED');
    tick(500);
    await c.flush();
    expect(sent).toEqual([
      {
        from: 1_000,
        to: 1_500,
        items: [
          { flag: 'a', variant: 'on', reason: 'TARGETING_MATCH', count: 3 },
          { flag: 'a', variant: 'off', reason: 'DEFAULT', count: 2 },
          { flag: 'b', reason: 'DISABLED', count: 1 },
        ],
      },
    ]);
    expect(c.stats()).toEqual({ pending: 0, dropped: 0, delivered: 6 });
    tick(100);
    await c.flush(); // nothing counted: nothing sent
    c.count('a', 'on', 'STATIC');
    tick(100);
    await c.flush();
    expect(sent[1]).toMatchObject({ from: 1_500, to: 1_700, items: [{ flag: 'a', count: 1 }] });
  });

  it('sends a tally above what one item may carry as several items the server takes', async () => {
    const { c, sent, tick } = counter();
    for (let i = 0; i < MAX_IMPRESSION_COUNT + 5; i++) c.count('hot', 'on', 'STATIC');
    tick(10_000);
    await c.flush();
    expect(sent[0]?.items).toEqual([
      { flag: 'hot', variant: 'on', reason: 'STATIC', count: MAX_IMPRESSION_COUNT },
      { flag: 'hot', variant: 'on', reason: 'STATIC', count: 5 },
    ]);
    expect(c.stats().delivered).toBe(MAX_IMPRESSION_COUNT + 5);
  });

  it('counts evaluations past its bound of distinct tallies as dropped', async () => {
    const { c, sent } = counter(2);
    c.count('a', 'on', 'STATIC');
    c.count('b', 'on', 'STATIC');
    c.count('c', 'on', 'STATIC');
    c.count('a', 'off', 'STATIC');
    c.count('a', 'on', 'STATIC'); // a tally held: still counted
    expect(c.stats()).toEqual({ pending: 3, dropped: 2, delivered: 0 });
    await c.flush();
    expect(sent[0]?.items.map((i) => i.flag)).toEqual(['a', 'b']);
  });

  it('keeps the counts of a failed send, merged with newer ones, for the next', async () => {
    const { c, sent, answer, tick } = counter();
    c.count('a', 'on', 'STATIC');
    c.count('a', 'on', 'STATIC');
    answer('fail');
    tick(100);
    await expect(c.flush()).resolves.toBeUndefined();
    expect(c.stats()).toEqual({ pending: 2, dropped: 0, delivered: 0 });
    c.count('a', 'on', 'STATIC');
    c.count('z', 'x', 'DEFAULT');
    answer('sent');
    tick(100);
    await c.flush();
    // one interval from the first count that was not delivered
    expect(sent).toEqual([
      {
        from: 1_000,
        to: 1_200,
        items: [
          { flag: 'a', variant: 'on', reason: 'STATIC', count: 3 },
          { flag: 'z', variant: 'x', reason: 'DEFAULT', count: 1 },
        ],
      },
    ]);
    expect(c.stats()).toEqual({ pending: 0, dropped: 0, delivered: 4 });
  });

  it('drops a batch the server refuses as invalid instead of retrying it forever', async () => {
    const { c, answer } = counter();
    c.count('a', 'on', 'STATIC');
    answer('refused');
    await c.flush();
    expect(c.stats()).toEqual({ pending: 0, dropped: 1, delivered: 0 });
  });

  it('splits more tallies than one batch holds, and does not send keys no server flag can have', async () => {
    const { c, sent } = counter(5000);
    for (let i = 0; i < MAX_IMPRESSION_ITEMS * 2 + 1; i++) c.count(`flag-${i}`, 'on', 'STATIC');
    c.count('has spaces', 'on', 'STATIC'); // a flagd bootstrap file may hold such a key
    await c.flush();
    expect(sent.map((b) => b.items.length)).toEqual([MAX_IMPRESSION_ITEMS, MAX_IMPRESSION_ITEMS, 1]);
    expect(c.stats()).toEqual({ pending: 0, dropped: 1, delivered: MAX_IMPRESSION_ITEMS * 2 + 1 });
  });
});
