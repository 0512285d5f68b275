/**
 * The flag set an SDK evaluates: a sync payload compiled by the core engine (flagd mode, as the
 * server compiles it), with the kill overlay. Applying a payload is all or nothing: a payload that
 * does not parse or compile leaves the previous set serving.
 *
 * Compiling is a generator (`compileFlagSetInSteps`): the client runs it in slices between turns
 * of the event loop while the previous state keeps serving, and swaps the finished state in as
 * one object, so an evaluation sees one version, never a mix. Each flag's compiled form is reused
 * from the previous state when its definition is unchanged (the same object in a delta, the same
 * JSON text in a whole set), so a change compiles only the flags it changes.
 */
import {
  type CompiledFlagSet,
  type CompiledSources,
  compileFlagSetInSteps,
  type EvaluateOptions,
  FlagSetDeltaSchema,
  type FlagSetSync,
  FlagSetSyncSchema,
  type KillOverlay,
} from '@sluice/core/flags';

export interface FlagState {
  readonly sync: FlagSetSync;
  readonly set: CompiledFlagSet;
  readonly overlay: KillOverlay;
  /** What every evaluation on this state passes the engine: one object, not one per call. */
  readonly evaluation: EvaluateOptions;
  /** The compiled flags, for the next state to reuse. */
  readonly sources: CompiledSources | undefined;
  /** The flags changed since the state it was compiled from (`since`: version|digest). */
  readonly changed?: { readonly since: string; readonly flags: string[] };
}

/** Steps of work that end in a value: the client spreads them over the event loop. */
export type Steps<T> = Generator<undefined, T, undefined>;

/** Runs steps to their end at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

function notValid(error: { issues: { path: PropertyKey[]; message: string }[] }): Error {
  const issue = error.issues[0];
  return new Error(`the flag set is not valid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed sync payload's outline; throws a readable error when it is bad. The flags are
 * checked by the compile: through the schema they would be copied, 10,000 of them in one go.
 */
export function parseSync(raw: unknown): FlagSetSync {
  if (isRecord(raw) && isRecord(raw.flags)) {
    const outline = FlagSetSyncSchema.safeParse({ ...raw, flags: {} });
    if (outline.success) return { ...outline.data, flags: raw.flags };
  }
  const parsed = FlagSetSyncSchema.safeParse(raw);
  if (!parsed.success) throw notValid(parsed.error);
  return parsed.data;
}

/**
 * Compiles a sync payload, reusing what `previous` compiled of the same flags; the state knows
 * which flags changed since `previous`.
 */
export function* stateSteps(sync: FlagSetSync, previous?: FlagState): Steps<FlagState> {
  const { set, sources } = yield* compileFlagSetInSteps(
    { flags: sync.flags, ...(sync.metadata ? { metadata: sync.metadata } : {}) },
    { segments: sync.segments, mode: 'flagd', keepSources: true, reuse: previous?.sources },
  );
  const overlay: KillOverlay = { killed: new Set(sync.killed), emergency: sync.emergency };
  const state: FlagState = { sync, set, sources, overlay, evaluation: { overlay, clock: epochSeconds } };
  if (!previous) return state;
  return { ...state, changed: { since: idOf(previous), flags: yield* changedSteps(previous, state) } };
}

/** `$flagd.timestamp`, read only by the rules that use it. */
const epochSeconds = () => Math.floor(Date.now() / 1000);

const idOf = (state: FlagState) => `${state.sync.version}|${state.sync.digest}`;

/** Checks and compiles a parsed payload at once; throws a readable error when it is bad. */
export function compileState(raw: unknown, previous?: FlagState): FlagState {
  return runSteps(stateSteps(parseSync(raw), previous));
}

/** A delta that does not start from the state held: the client refetches the whole set. */
export class DeltaGap extends Error {
  constructor(held: number, base: number) {
    super(`a change from version ${base} arrived at version ${held}`);
    this.name = 'DeltaGap';
  }
}

/**
 * Applies a `flag-set-delta` to the state it starts from: the flags it does not write are the same
 * objects, so their compiled forms are reused and a one-flag change to a 10,000-flag set costs one
 * flag's compile. The result answers exactly as the whole new set compiled from scratch (it is
 * that compile, with the reuse). Throws DeltaGap when `base` is not the state's version.
 */
export function* deltaSteps(before: FlagState, raw: unknown): Steps<FlagState> {
  const parsed = FlagSetDeltaSchema.safeParse(raw);
  if (!parsed.success) throw notValid(parsed.error);
  const d = parsed.data;
  if (d.base !== before.sync.version || d.environment !== before.sync.environment)
    throw new DeltaGap(before.sync.version, d.base);
  // the merged flags are built in steps too: a copy of 10,000 keys at once is a pause of its own
  const gone = new Set(d.removed);
  const held = before.sync.flags;
  const flags: Record<string, unknown> = {};
  let n = 0;
  for (const key in held) {
    if (!Object.hasOwn(held, key) || gone.has(key)) continue;
    flags[key] = held[key];
    if (++n % 1024 === 0) yield;
  }
  Object.assign(flags, d.changed);
  const sync: FlagSetSync = {
    ...before.sync,
    version: d.version,
    digest: d.digest,
    builtAt: d.builtAt,
    flags,
    killed: d.killed,
    emergency: d.emergency,
  };
  return yield* stateSteps(sync, before);
}

/** `deltaSteps` at once, with the flags it changes. */
export function applyDelta(before: FlagState, raw: unknown): { state: FlagState; flagsChanged: string[] } {
  const state = runSteps(deltaSteps(before, raw));
  return { state, flagsChanged: changedFlags(before, state) };
}

/**
 * The flags whose answers may differ between two states: compiled anew (a definition, segment or
 * set metadata changed; the compiled form is reused otherwise), added, removed, killed or revived,
 * those that name one of these as a prerequisite, or all of them when emergency mode moved.
 */
export function changedFlags(before: FlagState | undefined, after: FlagState): string[] {
  if (!before) return Object.keys(after.sync.flags);
  if (after.changed?.since === idOf(before)) return [...after.changed.flags];
  return runSteps(changedSteps(before, after));
}

function* changedSteps(before: FlagState, after: FlagState): Steps<string[]> {
  const emergencyMoved = before.sync.emergency !== after.sync.emergency;
  const changed: string[] = [];
  const old = before.set.flags;
  /** prerequisite → the flags that name it */
  const dependents = new Map<string, string[]>();
  let n = 0;
  for (const [key, flag] of after.set.flags) {
    if (emergencyMoved || old.get(key) !== flag) changed.push(key);
    else if (before.overlay.killed?.has(key) !== after.overlay.killed?.has(key)) changed.push(key);
    for (const pre of flag.prerequisites) {
      const named = dependents.get(pre.flag);
      if (named === undefined) dependents.set(pre.flag, [key]);
      else named.push(key);
    }
    if (++n % 1024 === 0) yield;
  }
  for (const key of old.keys()) if (!after.set.flags.has(key)) changed.push(key);
  if (dependents.size > 0) withDependents(changed, dependents);
  return changed;
}

/**
 * Adds to `changed` every flag that names a changed flag as a prerequisite, at any depth: its
 * definition is the same, but its answers follow its prerequisite's.
 */
function withDependents(changed: string[], dependents: ReadonlyMap<string, readonly string[]>): void {
  const listed = new Set(changed);
  for (let i = 0; i < changed.length; i++) {
    for (const dependent of dependents.get(changed[i] as string) ?? []) {
      if (listed.has(dependent)) continue;
      listed.add(dependent);
      changed.push(dependent);
    }
  }
}

/** What the head of a payload says about it, read without parsing the whole text. */
export interface PayloadHead {
  id: string;
  version: number;
  digest: string;
}

// the server writes these fields first; a payload written otherwise is simply parsed
const HEAD = /^\{"environment":("(?:[^"\\]|\\.)*"),"version":(\d+),"digest":"([^"\\]+)"/;

export function payloadHead(text: string): PayloadHead | undefined {
  const m = HEAD.exec(text.slice(0, 512));
  if (!m) return undefined;
  return { id: `${m[1]}|${m[2]}|${m[3]}`, version: Number(m[2]), digest: m[3] as string };
}

/**
 * Compiled states shared by the clients of one process (a state is immutable): a thousand clients
 * in one process receiving the same change compile it once, even while it is being compiled.
 * Keyed by environment, version and digest; the last few are kept.
 */
const shared = new Map<string, Promise<FlagState | undefined>>();
const SHARED_MAX = 4;

export function sharedState(id: string): Promise<FlagState | undefined> | undefined {
  return shared.get(id);
}

export function rememberState(id: string, state: Promise<FlagState | undefined>): void {
  shared.delete(id);
  shared.set(id, state);
  while (shared.size > SHARED_MAX) shared.delete(shared.keys().next().value as string);
}

export function forgetState(id: string, state: Promise<FlagState | undefined>): void {
  if (shared.get(id) === state) shared.delete(id);
}
