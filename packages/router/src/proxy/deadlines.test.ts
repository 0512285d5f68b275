import { describe, expect, it, vi } from 'vitest';
import { addDeadline, cancelDeadline, type Expiring } from './deadlines.js';

const WAIT = { timeout: 5_000, interval: 5 };

function recorder(expired: string[], name: string, then?: () => void): Expiring {
  return {
    expire() {
      expired.push(name);
      then?.();
    },
  };
}

describe('response deadlines', () => {
  it('expires each request not cancelled, earliest first, and none that was cancelled', async () => {
    const expired: string[] = [];
    const tickets = ['a', 'b', 'c', 'd'].map((name) => addDeadline(30, recorder(expired, name)));
    cancelDeadline(30, tickets[1] as number);
    const e = addDeadline(10, recorder(expired, 'e'));
    cancelDeadline(10, e);
    addDeadline(10, recorder(expired, 'f'));
    await vi.waitFor(() => expect(expired).toEqual(['f', 'a', 'c', 'd']), WAIT);
  });

  it('keeps expiring when a request ends after many that ended in order', async () => {
    const expired: string[] = [];
    // more than the compaction threshold, all cancelled, then one left to expire
    for (let i = 0; i < 3_000; i++) cancelDeadline(20, addDeadline(20, recorder(expired, `x${i}`)));
    const slow = addDeadline(20, recorder(expired, 'slow'));
    for (let i = 0; i < 3_000; i++) cancelDeadline(20, addDeadline(20, recorder(expired, `y${i}`)));
    addDeadline(20, recorder(expired, 'last'));
    await vi.waitFor(() => expect(expired).toEqual(['slow', 'last']), WAIT);
    cancelDeadline(20, slow); // after it expired: no effect
  });

  it('takes a deadline added while another expires', async () => {
    const expired: string[] = [];
    addDeadline(
      15,
      recorder(expired, 'first', () => addDeadline(15, recorder(expired, 'again'))),
    );
    await vi.waitFor(() => expect(expired).toEqual(['first', 'again']), WAIT);
  });
});
