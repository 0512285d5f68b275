import { describe, expect, it, vi } from 'vitest';
import { addDeadline, cancelDeadline, type Deadline, type Expiring } from './deadlines.js';

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
    const deadlines = ['a', 'b', 'c', 'd'].map((name) => addDeadline(30, recorder(expired, name)));
    cancelDeadline(deadlines[1] as Deadline);
    const e = addDeadline(10, recorder(expired, 'e'));
    cancelDeadline(e);
    addDeadline(10, recorder(expired, 'f'));
    await vi.waitFor(() => expect(expired).toEqual(['f', 'a', 'c', 'd']), WAIT);
  });

  it('keeps expiring when a request ends after many that ended in order', async () => {
    const expired: string[] = [];
    for (let i = 0; i < 3_000; i++) cancelDeadline(addDeadline(20, recorder(expired, `x${i}`)));
    const slow = addDeadline(20, recorder(expired, 'slow'));
    for (let i = 0; i < 3_000; i++) cancelDeadline(addDeadline(20, recorder(expired, `y${i}`)));
    addDeadline(20, recorder(expired, 'last'));
    await vi.waitFor(() => expect(expired).toEqual(['slow', 'last']), WAIT);
    cancelDeadline(slow); // after it expired: no effect
  });

  it('keeps an earlier deadline on time when one is added while another expires', async () => {
    const ms = 1_000;
    const expired: { name: string; at: number }[] = [];
    let thirdDue = Number.POSITIVE_INFINITY;
    const record = (name: string) => ({ expire: () => void expired.push({ name, at: performance.now() }) });
    addDeadline(ms, {
      expire() {
        expired.push({ name: 'first', at: performance.now() });
        // added while expiring, due a whole timeout later than 'second' (added 300 ms after 'first')
        thirdDue = performance.now() + ms;
        addDeadline(ms, record('third'));
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    addDeadline(ms, record('second'));
    await vi.waitFor(() => expect(expired.map((e) => e.name)).toEqual(['first', 'second', 'third']), {
      timeout: 10_000,
      interval: 20,
    });
    // 'second' expired on its own timer, not held back until 'third' was due
    expect(expired[1]?.at).toBeLessThan(thirdDue);
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
