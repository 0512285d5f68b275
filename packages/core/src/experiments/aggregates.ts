/**
 * Incremental per-arm aggregates. Each exposed user contributes a few sums per event name
 * (users with the event, Σ count, Σ count², Σ value, Σ value², Σ mean value, Σ mean value², and
 * Σ count·count for each pair of names, which ratio metrics need). When a user's events change,
 * the arm's aggregate moves by contribution(after) − contribution(before), so results never
 * re-read events and every metric kind can be computed from the same sums, including metrics
 * defined after the events arrived.
 *
 * With CUPED on, a user also carries `pre`: their events of each metric's name in the pre-period
 * before their first exposure, read once when the exposure is counted. It adds the covariate's
 * sums (Σx, Σx², and Σx·y against the same name's events after) so the CUPED estimate, too, is
 * read from the arm's sums alone.
 */

/** One user's events of one name: how many, and the sum of their `value`s. */
export type EventTally = [count: number, valueSum: number];

/** What is kept per user and experiment. */
export interface UserState {
  /** The arm the user was first exposed to; null until an exposure arrives. */
  arm: string | null;
  /** Event name → tally. */
  events: Record<string, EventTally>;
  /**
   * Event name → tally in the pre-period before the first exposure (the CUPED covariate); absent
   * or null when it was not read (CUPED off, or the user exposed before it was turned on).
   */
  pre?: Record<string, EventTally> | null;
}

/** Sums over the exposed users of one arm. */
export interface ArmAggregate {
  /** Exposed users. */
  users: number;
  /** Contribution key → sum (see `contributions`). */
  sums: Record<string, number>;
}

/** At most this many distinct event names are tallied per experiment (pairs grow with the square). */
export const MAX_EVENT_NAMES = 32;

/** Keys of the per-name sums. */
export const sumKey = {
  users: (e: string) => `${e}:u`,
  count: (e: string) => `${e}:c`,
  countSq: (e: string) => `${e}:cc`,
  value: (e: string) => `${e}:s`,
  valueSq: (e: string) => `${e}:ss`,
  mean: (e: string) => `${e}:m`,
  meanSq: (e: string) => `${e}:mm`,
  /** Σ count_a · count_b, names in code-point order. */
  cross: (a: string, b: string) => (a < b ? `${a}|${b}:cc` : `${b}|${a}:cc`),
  // The CUPED covariate (pre-period tallies) and its products with the same name's tallies after.
  preUsers: (e: string) => `${e}:pu`,
  preCount: (e: string) => `${e}:pc`,
  preCountSq: (e: string) => `${e}:pcc`,
  preValue: (e: string) => `${e}:ps`,
  preValueSq: (e: string) => `${e}:pss`,
  /** Σ users with the event both before and after exposure. */
  preUsersCross: (e: string) => `${e}:pu*u`,
  preCountCross: (e: string) => `${e}:pc*c`,
  preValueCross: (e: string) => `${e}:ps*s`,
  /** Users whose pre-period was read (event names cannot start with "#"). */
  withCovariate: '#pre',
};

/** The sums one exposed user adds to their arm. */
export function contributions(
  events: Readonly<Record<string, EventTally>>,
  pre?: Readonly<Record<string, EventTally>> | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (pre) covariateContributions(out, events, pre);
  const names = Object.keys(events).filter((e) => (events[e]?.[0] ?? 0) > 0);
  for (const e of names) {
    const [c, s] = events[e] as EventTally;
    const m = s / c;
    out[sumKey.users(e)] = 1;
    out[sumKey.count(e)] = c;
    out[sumKey.countSq(e)] = c * c;
    out[sumKey.value(e)] = s;
    out[sumKey.valueSq(e)] = s * s;
    out[sumKey.mean(e)] = m;
    out[sumKey.meanSq(e)] = m * m;
  }
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i] as string;
      const b = names[j] as string;
      out[sumKey.cross(a, b)] = (events[a] as EventTally)[0] * (events[b] as EventTally)[0];
    }
  }
  return out;
}

function covariateContributions(
  out: Record<string, number>,
  events: Readonly<Record<string, EventTally>>,
  pre: Readonly<Record<string, EventTally>>,
): void {
  out[sumKey.withCovariate] = 1;
  for (const [e, [c, s]] of Object.entries(pre)) {
    if (!(c > 0)) continue;
    out[sumKey.preUsers(e)] = 1;
    out[sumKey.preCount(e)] = c;
    out[sumKey.preCountSq(e)] = c * c;
    out[sumKey.preValue(e)] = s;
    out[sumKey.preValueSq(e)] = s * s;
    const [c2, s2] = events[e] ?? [0, 0];
    if (!(c2 > 0)) continue;
    out[sumKey.preUsersCross(e)] = 1;
    out[sumKey.preCountCross(e)] = c * c2;
    out[sumKey.preValueCross(e)] = s * s2;
  }
}

/** Arm → change of its aggregate, built up by `applyUserChange`. */
export type AggregateDelta = Map<string, ArmAggregate>;

/**
 * Adds to `delta` what moving one user from `before` to `after` does to the arm aggregates.
 * An unexposed user contributes nothing; a user's arm never changes once set.
 */
export function applyUserChange(delta: AggregateDelta, before: UserState | null, after: UserState): void {
  const armBefore = before?.arm ?? null;
  if (after.arm === null) return;
  let d = delta.get(after.arm);
  if (!d) {
    d = { users: 0, sums: {} };
    delta.set(after.arm, d);
  }
  if (armBefore === null) d.users += 1;
  const add = contributions(after.events, after.pre);
  const sub = armBefore === null || !before ? {} : contributions(before.events, before.pre);
  for (const [k, v] of Object.entries(add)) d.sums[k] = (d.sums[k] ?? 0) + v;
  for (const [k, v] of Object.entries(sub)) d.sums[k] = (d.sums[k] ?? 0) - v;
}

/** `base + delta`, per arm. */
export function mergeAggregates(
  base: ReadonlyMap<string, ArmAggregate>,
  delta: AggregateDelta,
): Map<string, ArmAggregate> {
  const out = new Map<string, ArmAggregate>();
  for (const [arm, a] of base) out.set(arm, { users: a.users, sums: { ...a.sums } });
  for (const [arm, d] of delta) {
    const a = out.get(arm) ?? { users: 0, sums: {} };
    a.users += d.users;
    for (const [k, v] of Object.entries(d.sums)) a.sums[k] = (a.sums[k] ?? 0) + v;
    out.set(arm, a);
  }
  return out;
}

/** Adds one event (`value` defaults to 0) to a user's tallies; returns the new state. */
export function addEvent(state: UserState, name: string, value: number | undefined): UserState {
  const [c, s] = state.events[name] ?? [0, 0];
  return { ...state, events: { ...state.events, [name]: [c + 1, s + (value ?? 0)] } };
}
