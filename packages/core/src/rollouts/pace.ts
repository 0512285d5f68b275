/**
 * A run's pace. A run started with a time scale N (demos, rehearsals) lives N times faster
 * than its plan says: every duration of the plan — step intervals, monitor and stage
 * durations, pauses, gate timeouts, the watchdog, the patience for inconclusive readings — is
 * divided by N. Metric windows and the patience for inconclusive readings are the exception:
 * they shrink too, but never below MIN_SCALED_WINDOW_MS (or what the plan says, if that is
 * shorter), because a window of a few hundred milliseconds holds no traffic to judge. Health
 * checks and ready timeouts are not scaled either: processes start at their own speed.
 */

export const MIN_SCALED_WINDOW_MS = 30_000;
export const MAX_TIME_SCALE = 100_000;

export interface Paced {
  /** 1 (or absent) for real time; N > 1 runs the plan N times faster. */
  timeScale?: number | undefined;
}

const scaleOf = (p: Paced) => (p.timeScale && p.timeScale > 0 ? p.timeScale : 1);

/** A duration the plan names, in the run's time. */
export function planned(p: Paced, ms: number): number {
  const scale = scaleOf(p);
  return scale === 1 ? ms : Math.round(ms / scale);
}

/** A planned duration scaled down to no less than `floorMs` real time (or `ms`, if shorter). */
export function plannedAtLeast(p: Paced, ms: number, floorMs: number): number {
  const scale = scaleOf(p);
  if (scale === 1) return ms;
  return Math.round(Math.max(ms / scale, Math.min(ms, floorMs)));
}

/** How far back a measurement looks for a planned window. */
export function metricWindow(p: Paced, ms: number): number {
  return plannedAtLeast(p, ms, MIN_SCALED_WINDOW_MS);
}

/** "×240" for people reading a run; empty in real time. */
export function paceLabel(p: Paced): string {
  const scale = scaleOf(p);
  return scale === 1 ? '' : `time-scaled ×${scale}`;
}
