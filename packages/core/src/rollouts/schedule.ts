/**
 * Schedule windows ("weekdays 09:00–16:00 Europe/Madrid") evaluated with Intl.DateTimeFormat,
 * which is pure: the same instant and zone always give the same wall-clock time.
 */
import type { ScheduleWindow, Weekday } from './plan/gate-schema.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock weekday and HH:MM of an instant in a zone. */
export function wallClock(at: number, timeZone: string): { day: Weekday; time: string } {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    day: get('weekday').toLowerCase().slice(0, 3) as Weekday,
    time: `${get('hour')}:${get('minute')}`,
  };
}

export function insideWindow(at: number, w: ScheduleWindow): boolean {
  const { day, time } = wallClock(at, w.timezone);
  return w.days.includes(day) && time >= w.start && time < w.end;
}

const MINUTE = 60_000;

/** The first instant at or after `from` inside the window (minute resolution), within 8 days. */
export function nextWindowStart(from: number, w: ScheduleWindow): number | undefined {
  if (insideWindow(from, w)) return from;
  let t = Math.ceil(from / MINUTE) * MINUTE;
  const limit = from + 8 * 24 * 60 * MINUTE;
  // A minute scan is exact across DST changes; at most 11,520 cached-formatter calls.
  while (t <= limit) {
    if (insideWindow(t, w)) return t;
    t += MINUTE;
  }
  return undefined;
}

/** When a scheduled gate opens: not before `notBefore`, and inside the window if there is one. */
export function scheduledOpening(now: number, notBefore: number | undefined, w: ScheduleWindow | undefined) {
  const from = Math.max(now, notBefore ?? now);
  return w ? nextWindowStart(from, w) : from;
}
