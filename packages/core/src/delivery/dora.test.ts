import { describe, expect, it } from 'vitest';
import { doraReport, parsePeriod, type ReleaseFacts } from './dora.js';

const H = 3_600_000;
const period = { since: 0, until: 10 * 24 * H };
const release = (over: Partial<ReleaseFacts>): ReleaseFacts => ({
  environment: 'production',
  services: ['api'],
  outcome: 'succeeded',
  startedAt: H,
  endedAt: 2 * H,
  ...over,
});

describe('DORA figures', () => {
  it('counts successful releases per day and measures lead time from the commit to 100 %', () => {
    const report = doraReport(
      [
        release({ firstSeenAt: 0, startedAt: H, fullAt: 3 * H, endedAt: 4 * H }),
        release({ startedAt: 5 * H, fullAt: 6 * H, endedAt: 6 * H }),
        release({ outcome: 'running', startedAt: 7 * H, endedAt: undefined }),
      ],
      period,
    );
    expect(report.deployments).toBe(2);
    expect(report.deploymentsPerDay).toBe(0.2);
    // 3 h from commit to full, 1 h from start to full: median by nearest rank is the lower
    expect(report.leadTimeSeconds).toEqual({ median: 3600, p90: 10_800, samples: 2 });
    expect(report.changeFailureRate).toBe(0);
  });

  it('rates failures over what ended, leaving aborted runs out, and times restores', () => {
    const report = doraReport(
      [
        release({}),
        release({ outcome: 'rolled_back', startedAt: 10 * H, endedAt: 10.5 * H }),
        release({ outcome: 'failed', startedAt: 20 * H, endedAt: 21 * H }),
        release({ outcome: 'succeeded', startedAt: 22 * H, endedAt: 24 * H }),
        release({ outcome: 'failed', environment: 'staging', startedAt: 30 * H, endedAt: 31 * H }),
        release({ outcome: 'aborted', startedAt: 40 * H, endedAt: 41 * H }),
      ],
      period,
    );
    expect(report.failures).toBe(3);
    expect(report.changeFailureRate).toBe(0.6);
    // rollback: 0.5 h; failed then fixed by the next success: 4 h; staging never restored
    expect(report.timeToRestoreSeconds).toEqual({ median: 1800, samples: 2, unrestored: 1 });
  });

  it('counts only what ended inside the period, and has no rate without releases', () => {
    const report = doraReport([release({ endedAt: 11 * 24 * H })], period);
    expect(report.deployments).toBe(0);
    expect(report.changeFailureRate).toBeNull();
    expect(report.leadTimeSeconds.median).toBeNull();
  });

  it('reads periods', () => {
    expect(parsePeriod('30d')).toBe(30 * 24 * H);
    expect(parsePeriod('12h')).toBe(12 * H);
    expect(parsePeriod('2w')).toBe(14 * 24 * H);
    expect(parsePeriod('30 days')).toBeNull();
  });
});
