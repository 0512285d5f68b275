import { describe, expect, it } from 'vitest';
import { minimumPlanDuration } from './duration.js';
import { parsePlan } from './parse.js';

const shadow = (name: string, minutes: number, dependencies: string[] = []) => ({
  name,
  strategy: 'shadow',
  dependencies,
  config: { app_name: 'api', duration_minutes: minutes, thresholds: { error_rate: 1 } },
});

describe('minimumPlanDuration', () => {
  it('sums every stage when stages run one at a time', () => {
    const plan = parsePlan({
      name: 'x',
      version: '1',
      stages: [shadow('a', 30), shadow('b', 10), shadow('c', 5, ['a', 'b'])],
    });
    expect(minimumPlanDuration(plan)).toBe(45 * 60_000);
  });

  it('follows the longest dependency path when stages run in parallel', () => {
    const plan = parsePlan({
      name: 'x',
      version: '1',
      parallel_stages: true,
      stages: [shadow('a', 30), shadow('b', 10), shadow('c', 5, ['a', 'b'])],
    });
    expect(minimumPlanDuration(plan)).toBe(35 * 60_000);
  });

  it('counts canary steps and monitoring, and timed pauses', () => {
    const plan = parsePlan({
      name: 'x',
      version: '1',
      stages: [
        {
          name: 'c',
          strategy: 'canary',
          config: {
            app_name: 'w',
            initial_weight: 10,
            increment: 45,
            max_weight: 100,
            interval_seconds: 60,
            monitor_duration_minutes: 5,
          },
        },
        {
          name: 'p',
          strategy: 'progressive',
          config: { app_name: 'w', steps: [{ pause: { duration: '90s' } }, { pause: {} }] },
        },
      ],
    });
    // Canary: 10, 55, 100 → 3 intervals, then 4 more minutes of monitoring; progressive: 90s.
    expect(minimumPlanDuration(plan)).toBe(3 * 60_000 + 4 * 60_000 + 90_000);
  });
});
