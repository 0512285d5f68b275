/**
 * A flagd flags file (`{"flags": {...}, "$evaluators": {...}, "metadata": {...}}`) applied as
 * is: each flag becomes a Flag, each shared evaluator a Segment (flagd's `$ref` resolves to
 * segments), and flag-set metadata is copied into each flag's metadata (flag keys win), which
 * is how flagd merges them. They load as flagd loads them (lenient): what flagd tolerates is a
 * warning, and those flags evaluate as flagd evaluates them.
 */
import type { RecognisedResource } from '../resources/kind.js';

export function isFlagdDocument(doc: Record<string, unknown>): boolean {
  return (
    typeof doc.flags === 'object' &&
    doc.flags !== null &&
    !Array.isArray(doc.flags) &&
    doc.kind === undefined &&
    doc.spec === undefined
  );
}

export function recogniseFlagdFile(doc: Record<string, unknown>): RecognisedResource[] | null {
  if (!isFlagdDocument(doc)) return null;
  const setMetadata =
    typeof doc.metadata === 'object' && doc.metadata !== null
      ? (doc.metadata as Record<string, unknown>)
      : undefined;
  const out: RecognisedResource[] = [];
  for (const [name, flag] of Object.entries(doc.flags as Record<string, unknown>)) {
    let spec = flag;
    if (setMetadata && flag && typeof flag === 'object' && !Array.isArray(flag)) {
      const own = (flag as { metadata?: Record<string, unknown> }).metadata ?? {};
      spec = { ...flag, metadata: { ...setMetadata, ...own } };
    }
    out.push({ name, spec, lenient: true });
  }
  const evaluators = doc.$evaluators;
  if (evaluators && typeof evaluators === 'object' && !Array.isArray(evaluators)) {
    for (const [name, rule] of Object.entries(evaluators))
      out.push({ kind: 'Segment', name, spec: { rule }, lenient: true });
  }
  return out;
}
