/**
 * The flag set an SDK evaluates: a sync payload compiled by the core engine (flagd mode, as the
 * server compiles it), with the kill overlay. Applying a payload is all or nothing: a payload that
 * does not parse or compile leaves the previous set serving.
 */
import {
  type CompiledFlag,
  type CompiledFlagSet,
  compileFlagSet,
  FlagSetDeltaSchema,
  type FlagSetSync,
  FlagSetSyncSchema,
  type KillOverlay,
} from '@sluice/core/flags';

export interface FlagState {
  readonly sync: FlagSetSync;
  readonly set: CompiledFlagSet;
  readonly overlay: KillOverlay;
}

const flagTexts = new WeakMap<FlagState, Map<string, string>>();

/** Each flag's definition as JSON text, to tell which flags a whole new set changes (made when first asked). */
function textsOf(state: FlagState): ReadonlyMap<string, string> {
  let texts = flagTexts.get(state);
  if (!texts) {
    texts = new Map(Object.entries(state.sync.flags).map(([k, v]) => [k, JSON.stringify(v)]));
    flagTexts.set(state, texts);
  }
  return texts;
}

/** Checks and compiles a parsed payload; throws a readable error when it is bad. */
export function compileState(raw: unknown): FlagState {
  const parsed = FlagSetSyncSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the flag set is not valid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const sync = parsed.data;
  const set = compileFlagSet(
    { flags: sync.flags, ...(sync.metadata ? { metadata: sync.metadata } : {}) },
    { segments: sync.segments, mode: 'flagd' },
  );
  return { sync, set, overlay: { killed: new Set(sync.killed), emergency: sync.emergency } };
}

/** A delta that does not start from the state held: the client refetches the whole set. */
export class DeltaGap extends Error {
  constructor(held: number, base: number) {
    super(`a change from version ${base} arrived at version ${held}`);
    this.name = 'DeltaGap';
  }
}

/**
 * Applies a `flag-set-delta` to the state it starts from, compiling only the flags it writes (with
 * the flags their prerequisites name, whose compiled forms are not kept): a one-flag change to a
 * 10,000-flag set costs one flag's compile, not the set's. Throws DeltaGap when `base` is not the
 * state's version.
 */
export function applyDelta(before: FlagState, raw: unknown): { state: FlagState; flagsChanged: string[] } {
  const parsed = FlagSetDeltaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the flag set is not valid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const d = parsed.data;
  if (d.base !== before.sync.version || d.environment !== before.sync.environment)
    throw new DeltaGap(before.sync.version, d.base);
  const flags: Record<string, unknown> = { ...before.sync.flags };
  for (const key of d.removed) delete flags[key];
  Object.assign(flags, d.changed);
  const wanted: Record<string, unknown> = {};
  const queue = Object.keys(d.changed);
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    if (Object.hasOwn(wanted, key) || !Object.hasOwn(flags, key)) continue;
    wanted[key] = flags[key];
    const pres = (flags[key] as { prerequisites?: { flag?: unknown }[] } | null)?.prerequisites;
    if (Array.isArray(pres)) for (const p of pres) if (typeof p?.flag === 'string') queue.push(p.flag);
  }
  const metadata = before.sync.metadata;
  const mini = compileFlagSet(
    { flags: wanted, ...(metadata ? { metadata } : {}) },
    { segments: before.sync.segments, mode: 'flagd' },
  );
  const compiled = new Map<string, CompiledFlag>(before.set.flags);
  const touched = new Set([...d.removed, ...Object.keys(d.changed)]);
  for (const key of d.removed) {
    compiled.delete(key);
  }
  for (const key of Object.keys(d.changed)) {
    compiled.set(key, mini.flags.get(key) as CompiledFlag);
  }
  const set: CompiledFlagSet = Object.freeze({
    flags: compiled,
    metadata: before.set.metadata,
    problems: Object.freeze([
      ...before.set.problems.filter((p) => p.flag === null || !touched.has(p.flag)),
      ...mini.problems.filter((p) => p.flag !== null && Object.hasOwn(d.changed, p.flag)),
    ]),
    // the definitions as sent (the changed ones were just validated by the compile): no second copy
    document: { ...before.set.document, flags: flags as CompiledFlagSet['document']['flags'] },
  });
  const sync: FlagSetSync = {
    ...before.sync,
    version: d.version,
    digest: d.digest,
    builtAt: d.builtAt,
    flags,
    killed: d.killed,
    emergency: d.emergency,
  };
  const state: FlagState = {
    sync,
    set,
    overlay: { killed: new Set(d.killed), emergency: d.emergency },
  };
  const killedMoved = (key: string) => before.overlay.killed?.has(key) !== state.overlay.killed?.has(key);
  const flagsChanged =
    before.sync.emergency !== d.emergency
      ? [...new Set([...compiled.keys(), ...d.removed])]
      : [...new Set([...touched, ...new Set([...before.sync.killed, ...d.killed].filter(killedMoved))])];
  return { state, flagsChanged };
}

/** The flags whose answers may differ between two states (definition, kill or emergency changed). */
export function changedFlags(before: FlagState | undefined, after: FlagState): string[] {
  if (!before) return Object.keys(after.sync.flags);
  const segmentsMoved = JSON.stringify(before.sync.segments) !== JSON.stringify(after.sync.segments);
  const emergencyMoved = before.sync.emergency !== after.sync.emergency;
  const changed = new Set<string>();
  const old = textsOf(before);
  const now = textsOf(after);
  for (const [key, text] of now) {
    if (segmentsMoved || emergencyMoved || old.get(key) !== text) changed.add(key);
    else if (before.overlay.killed?.has(key) !== after.overlay.killed?.has(key)) changed.add(key);
  }
  for (const key of old.keys()) if (!now.has(key)) changed.add(key);
  return [...changed];
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
 * in one process receiving the same change compile it once. Keyed by environment, version and
 * digest; the last few are kept.
 */
const shared = new Map<string, FlagState>();
const SHARED_MAX = 4;

export function sharedState(id: string): FlagState | undefined {
  return shared.get(id);
}

export function rememberState(id: string, state: FlagState): void {
  shared.delete(id);
  shared.set(id, state);
  while (shared.size > SHARED_MAX) shared.delete(shared.keys().next().value as string);
}
