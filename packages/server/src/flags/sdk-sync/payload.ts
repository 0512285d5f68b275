/** The sync payload of an environment's flag set, serialised once per built set. */
import type { FlagSetDelta, FlagSetSync } from '@sluice/core/flags';
import type { EnvironmentFlags } from '../flag-sets.js';

const texts = new WeakMap<EnvironmentFlags, string>();

export function syncPayload(flags: EnvironmentFlags): FlagSetSync {
  const doc = flags.set.document;
  return {
    environment: flags.environment,
    version: flags.generation,
    digest: flags.digest,
    builtAt: flags.builtAt,
    flags: doc.flags,
    segments: { ...flags.segments },
    ...(doc.metadata ? { metadata: doc.metadata } : {}),
    killed: [...(flags.overlay.killed ?? [])].sort(),
    emergency: flags.overlay.emergency === true,
  };
}

/** The payload as JSON text: a change reaches thousands of streams, serialised once. */
export function syncPayloadText(flags: EnvironmentFlags): string {
  let text = texts.get(flags);
  if (text === undefined) {
    text = JSON.stringify(syncPayload(flags));
    texts.set(flags, text);
  }
  return text;
}

/** A weak ETag per digest: the digest covers everything the payload says but `builtAt`. */
export function syncEtag(flags: EnvironmentFlags): string {
  return `W/"${flags.digest}"`;
}

/** One `flag-set` event of the stream. */
export function syncFrame(flags: EnvironmentFlags): string {
  return `id: ${flags.generation}\nevent: flag-set\ndata: ${syncPayloadText(flags)}\n\n`;
}

const flagTexts = new WeakMap<EnvironmentFlags, Map<string, string>>();

/** Each flag's definition as JSON text, computed once per built set. */
function textsOf(flags: EnvironmentFlags): Map<string, string> {
  let texts = flagTexts.get(flags);
  if (!texts) {
    texts = new Map(Object.entries(flags.set.document.flags).map(([k, v]) => [k, JSON.stringify(v)]));
    flagTexts.set(flags, texts);
  }
  return texts;
}

/**
 * The `flag-set-delta` event from one built set to the next, or the whole set when a delta would
 * not pay (segments or set metadata changed, or most flags did). The field order keeps
 * environment, version and digest first, as in the whole set: SDKs read them without parsing.
 */
export function syncChangeFrame(before: EnvironmentFlags, after: EnvironmentFlags): string {
  const docBefore = before.set.document;
  const docAfter = after.set.document;
  if (
    JSON.stringify(before.segments) !== JSON.stringify(after.segments) ||
    JSON.stringify(docBefore.metadata ?? {}) !== JSON.stringify(docAfter.metadata ?? {})
  )
    return syncFrame(after);
  const old = textsOf(before);
  const now = textsOf(after);
  const changed: Record<string, unknown> = {};
  let count = 0;
  for (const [key, text] of now) {
    if (old.get(key) !== text) {
      changed[key] = docAfter.flags[key];
      count++;
    }
  }
  const removed = [...old.keys()].filter((key) => !now.has(key));
  if (count + removed.length > now.size / 2) return syncFrame(after);
  const delta: FlagSetDelta = {
    environment: after.environment,
    version: after.generation,
    digest: after.digest,
    base: before.generation,
    builtAt: after.builtAt,
    changed,
    removed,
    killed: [...(after.overlay.killed ?? [])].sort(),
    emergency: after.overlay.emergency === true,
  };
  return `id: ${after.generation}\nevent: flag-set-delta\ndata: ${JSON.stringify(delta)}\n\n`;
}
