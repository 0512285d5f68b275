/**
 * The flag set an SDK evaluates: a sync payload compiled by the core engine (flagd mode, as the
 * server compiles it), with the kill overlay. Applying a payload is all or nothing: a payload that
 * does not parse or compile leaves the previous set serving.
 */
import {
  type CompiledFlagSet,
  compileFlagSet,
  type FlagSetSync,
  FlagSetSyncSchema,
  type KillOverlay,
} from '@sluice/core/flags';

export interface FlagState {
  readonly sync: FlagSetSync;
  readonly set: CompiledFlagSet;
  readonly overlay: KillOverlay;
  /** Each flag's definition as JSON text, to tell which flags a new set changes. */
  readonly texts: ReadonlyMap<string, string>;
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
  const texts = new Map<string, string>();
  for (const [key, definition] of Object.entries(sync.flags)) texts.set(key, JSON.stringify(definition));
  return { sync, set, overlay: { killed: new Set(sync.killed), emergency: sync.emergency }, texts };
}

/** The flags whose answers may differ between two states (definition, kill or emergency changed). */
export function changedFlags(before: FlagState | undefined, after: FlagState): string[] {
  if (!before) return [...after.texts.keys()];
  const segmentsMoved = JSON.stringify(before.sync.segments) !== JSON.stringify(after.sync.segments);
  const emergencyMoved = before.sync.emergency !== after.sync.emergency;
  const changed = new Set<string>();
  for (const [key, text] of after.texts) {
    if (segmentsMoved || emergencyMoved || before.texts.get(key) !== text) changed.add(key);
    else if (before.overlay.killed?.has(key) !== after.overlay.killed?.has(key)) changed.add(key);
  }
  for (const key of before.texts.keys()) if (!after.texts.has(key)) changed.add(key);
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
