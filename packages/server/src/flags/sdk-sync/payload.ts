/** The sync payload of an environment's flag set, serialised once per built set. */
import type { FlagSetSync } from '@sluice/core/flags';
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
