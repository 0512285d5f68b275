import { describe, expect, it, vi } from 'vitest';
import { CountsFeed } from './counts-feed.js';
import type { VersionCounts } from './registry.js';
import { RouterMetrics } from './registry.js';

describe('CountsFeed', () => {
  it('delivers the versions whose counts moved, coalesced, once per change', async () => {
    const metrics = new RouterMetrics();
    const got: VersionCounts[][] = [];
    const feed = new CountsFeed({ metrics, coalesceMs: 5, deliver: (c) => void got.push(c) });
    feed.start();
    metrics.record('shop', 'v1', { status: 200, seconds: 0.01 }, 1_000);
    metrics.record('shop', 'v1', { status: 500, seconds: 0.01 }, 1_000);
    metrics.record('shop', 'v2', { status: 200, seconds: 0.01 }, 1_000);
    await vi.waitFor(() => expect(got.length).toBe(1));
    expect(got[0]).toEqual([
      { route: 'shop', version: 'v1', requests: 2, errors: 1 },
      { route: 'shop', version: 'v2', requests: 1, errors: 0 },
    ]);
    metrics.record('shop', 'v2', { status: 503, seconds: 0.01 }, 1_001);
    await vi.waitFor(() => expect(got.length).toBe(2));
    expect(got[1]).toEqual([{ route: 'shop', version: 'v2', requests: 2, errors: 1 }]);
    feed.stop();
    metrics.record('shop', 'v2', { status: 200, seconds: 0.01 }, 1_002);
    expect(metrics.onRecord).toBeNull();
  });

  it('keeps going when a delivery fails', async () => {
    const metrics = new RouterMetrics();
    let calls = 0;
    const feed = new CountsFeed({
      metrics,
      coalesceMs: 1,
      deliver: () => {
        calls += 1;
        throw new Error('control plane away');
      },
    });
    feed.start();
    metrics.record('shop', 'v1', { status: 200, seconds: 0.01 }, 1_000);
    await vi.waitFor(() => expect(calls).toBe(1));
    metrics.record('shop', 'v1', { status: 200, seconds: 0.01 }, 1_001);
    await vi.waitFor(() => expect(calls).toBe(2));
    feed.stop();
  });
});
