import { describe, expect, it } from 'vitest';
import { findStaleFlags, windowStart } from './stale.js';

const now = new Date('2026-05-20T09:30:00Z');
const old = '2026-01-01T00:00:00Z';

describe('findStaleFlags', () => {
  it('starts the window N days before today (N + 1 day buckets)', () => {
    expect(windowStart(now, 7)).toBe('2026-05-13');
    expect(windowStart(new Date('2026-03-02T00:00:00Z'), 2)).toBe('2026-02-28');
  });

  it('reports flags with no evaluation in the window, with their last evaluation', () => {
    const stale = findStaleFlags({
      now,
      days: 7,
      flags: [
        { name: 'never', createdAt: old },
        { name: 'gone-quiet', createdAt: old },
        { name: 'busy', createdAt: old },
      ],
      buckets: [
        { flag: 'gone-quiet', variant: 'on', day: '2026-05-12', count: 50 },
        { flag: 'busy', variant: 'on', day: '2026-05-19', count: 5 },
        { flag: 'busy', variant: 'off', day: '2026-05-13', count: 1 },
      ],
      history: new Map([
        ['gone-quiet', { firstDay: '2026-04-01', lastAt: '2026-05-12T10:00:00.000Z' }],
        ['busy', { firstDay: '2026-04-01', lastAt: '2026-05-19T10:00:00.000Z' }],
      ]),
    });
    expect(stale).toEqual([
      {
        flag: 'gone-quiet',
        reason: 'not-evaluated',
        variant: null,
        evaluations: 0,
        lastEvaluatedAt: '2026-05-12T10:00:00.000Z',
      },
      { flag: 'never', reason: 'not-evaluated', variant: null, evaluations: 0, lastEvaluatedAt: null },
    ]);
  });

  it('reports one variant served for the whole window, not since recording began', () => {
    const input = {
      now,
      days: 7,
      flags: [
        { name: 'settled', createdAt: old },
        { name: 'recent-data', createdAt: old },
        { name: 'young', createdAt: '2026-05-15T00:00:00Z' },
      ],
      buckets: [
        { flag: 'settled', variant: 'on', day: '2026-05-13', count: 10 },
        { flag: 'settled', variant: 'on', day: '2026-05-20', count: 4 },
        { flag: 'recent-data', variant: 'on', day: '2026-05-18', count: 3 },
      ],
      history: new Map([
        ['settled', { firstDay: '2026-05-01', lastAt: '2026-05-20T09:00:00.000Z' }],
        ['recent-data', { firstDay: '2026-05-18', lastAt: '2026-05-18T09:00:00.000Z' }],
      ]),
    };
    expect(findStaleFlags(input)).toEqual([
      {
        flag: 'settled',
        reason: 'single-variant',
        variant: 'on',
        evaluations: 14,
        lastEvaluatedAt: '2026-05-20T09:00:00.000Z',
      },
    ]);
  });
});
