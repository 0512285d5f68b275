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
