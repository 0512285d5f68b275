/**
 * The least time a plan can take: the waits its stages cannot skip (canary intervals and
 * monitoring, flag stage durations, pauses, mirroring, keep-warm delays), summed along the
 * longest dependency path — or along all stages when they run one at a time.
 */

import { parseDuration } from '../text.js';
import { canaryWeight } from './canary-weight.js';
import type { Plan, Stage } from './plan-schema.js';

export function minimumStageDuration(stage: Stage): number {
  switch (stage.strategy) {
    case 'canary': {
      const c = stage.config;
      let steps = 1;
      while (canaryWeight(c, steps - 1) < c.max_weight) steps++;
      const interval = c.interval_seconds * 1000;
      return steps * interval + Math.max(0, c.monitor_duration_minutes * 60_000 - interval);
    }
    case 'blue_green':
      return stage.config.scale_down_delay_seconds * 1000;
    case 'feature_flag':
      return stage.config.progressive_rollout
        ? stage.config.rollout_stages.reduce((sum, s) => sum + s.duration_minutes * 60_000, 0)
        : 0;
    case 'progressive':
      return stage.config.steps.reduce(
        (sum, s) =>
          sum + ('pause' in s && s.pause.duration !== undefined ? parseDuration(s.pause.duration) : 0),
        0,
      );
    case 'shadow':
      return stage.config.duration_minutes * 60_000;
    case 'ab_test':
      return 0;
  }
}

/** Milliseconds; assumes the stage graph has no cycle (check that first). */
export function minimumPlanDuration(plan: Plan): number {
  const own = new Map(plan.stages.map((s) => [s.name, minimumStageDuration(s)]));
  if (!plan.parallel_stages) return [...own.values()].reduce((a, b) => a + b, 0);
  const finish = new Map<string, number>();
  const visit = (name: string, depth = 0): number => {
    const known = finish.get(name);
    if (known !== undefined) return known;
    const stage = plan.stages.find((s) => s.name === name);
    if (!stage || depth > plan.stages.length) return 0;
    const start = Math.max(0, ...stage.dependencies.map((d) => visit(d, depth + 1)));
    const end = start + (own.get(name) ?? 0);
    finish.set(name, end);
    return end;
  };
  return Math.max(0, ...plan.stages.map((s) => visit(s.name)));
}
