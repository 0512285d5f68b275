import { describe, expect, it } from 'vitest';
import { MIN_SCALED_WINDOW_MS, metricWindow, paceLabel, planned, plannedAtLeast } from './pace.js';
import { parsePlan } from './plan/parse.js';
import { simulate } from './simulator/simulate.js';
import { T0 } from './test-support/harness.js';
import { healthySeedScenario, seedPlan } from './test-support/seed-plan.js';

const plan = parsePlan(seedPlan);
/** The approvals arrive 30 and 45 planned minutes in: sooner, when the run is sped up. */
const approvedAt = (scale: number) => healthySeedScenario([`${1800 / scale}s`, `${2700 / scale}s`]);
const good = approvedAt(1);
const moves = (r: ReturnType<typeof simulate>) =>
  r.timeline.filter((t) => t.from !== t.to).map((t) => `${t.stage ?? 'run'}:${t.from}->${t.to}`);

describe('pace', () => {
  it('divides planned durations by the scale and leaves real time alone', () => {
    expect(planned({}, 600_000)).toBe(600_000);
    expect(planned({ timeScale: 1 }, 600_000)).toBe(600_000);
    expect(planned({ timeScale: 240 }, 600_000)).toBe(2_500);
    expect(paceLabel({})).toBe('');
    expect(paceLabel({ timeScale: 240 })).toBe('time-scaled ×240');
  });

  it('shrinks metric windows only down to a floor that still holds traffic', () => {
    expect(metricWindow({}, 600_000)).toBe(600_000);
    expect(metricWindow({ timeScale: 240 }, 600_000)).toBe(MIN_SCALED_WINDOW_MS);
    expect(metricWindow({ timeScale: 2 }, 600_000)).toBe(300_000);
    // a planned window shorter than the floor is kept as planned, never widened
    expect(metricWindow({ timeScale: 240 }, 5_000)).toBe(5_000);
    expect(plannedAtLeast({ timeScale: 240 }, 60_000, 1_000)).toBe(1_000);
    expect(plannedAtLeast({}, 60_000, 1_000)).toBe(60_000);
  });

  it('runs the seed plan through the same transitions, that many times faster', () => {
    const real = simulate(plan, approvedAt(1), { startAt: T0 });
    const fast = simulate(plan, approvedAt(240), { startAt: T0, runTimeScale: 240 });
    expect(real.status).toBe('succeeded');
    expect(fast.status).toBe('succeeded');
    expect(moves(fast)).toEqual(moves(real));
    const ratio = (real.endedAt - T0) / (fast.endedAt - T0);
    expect(ratio).toBeGreaterThan(200);
    expect(ratio).toBeLessThan(260);
    expect(fast.timeline[0]?.reason).toContain('time-scaled ×240');
  });

  it('asks for windows with enough traffic and keeps the patience for missing data scaled', () => {
    const fast = simulate(plan, approvedAt(240), { startAt: T0, runTimeScale: 240 });
    const canaryWindows = fast.commands
      .map((c) => c.command)
      .filter((c) => c.kind === 'measure' && c.target.app === 'web-frontend')
      .map((c) => (c.kind === 'measure' ? c.windowSeconds : 0));
    expect(canaryWindows.length).toBeGreaterThan(0);
    expect(new Set(canaryWindows)).toEqual(new Set([MIN_SCALED_WINDOW_MS / 1000]));

    // no metrics at all: the metric gate gives up after its 15 minutes, scaled (3.75 s)
    const missing = simulate(plan, { ...approvedAt(240), metrics: {} }, { startAt: T0, runTimeScale: 240 });
    expect(missing.status).not.toBe('succeeded');
    const failedAt = missing.timeline.find((t) => t.stage === 'deploy_backend' && t.to === 'failed')?.at;
    expect(failedAt).toBeDefined();
    expect((failedAt ?? 0) - T0).toBeLessThan(60_000);
  });

  it('keeps the watchdog in step: 48 planned hours end a stuck run after 12 minutes at ×240', () => {
    const stuck = simulate(plan, { ...good, approvals: [] }, { startAt: T0, runTimeScale: 240 });
    expect(stuck.status).toBe('failed');
    expect(stuck.state.reason).toBe('max_duration_hours (48h) exceeded');
    expect(stuck.endedAt - T0).toBeGreaterThanOrEqual(12 * 60_000);
    expect(stuck.endedAt - T0).toBeLessThan(13 * 60_000);
  });
});
