/**
 * OFREP answers as JSON text, built from fragments computed once. The engine hands out the same
 * frozen result object every time a flag resolves to a given variant for a given reason, and
 * code-default results share their flag's frozen metadata, so the JSON of `toOfrep(key, result)`
 * is cached per result (or per metadata and reason) and a bulk answer of 50 flags is mostly
 * string concatenation instead of 50 `JSON.stringify` calls. Output is byte for byte
 * `JSON.stringify(toOfrep(key, result).body)` (tested over generated results).
 */
import type { BulkEvaluation, EvaluationResult, JsonValue } from '@sluice/core/flags';
import { toOfrep } from './results.js';

type EngineResult = EvaluationResult<JsonValue | undefined> | BulkEvaluation;

interface Cached {
  key: string;
  json: string;
}

/** Results with a variant: the engine's shared frozen object → its answer. */
const byResult = new WeakMap<object, Cached>();
/** Code-default results (fresh objects): the flag's frozen metadata → `reason\0key` → answer. */
const byMetadata = new WeakMap<object, Map<string, string>>();
/** A flag set's metadata → its JSON (the bulk answer's `metadata`). */
const setMetadataJson = new WeakMap<object, string | null>();

/** True when nothing reachable from the value can change any more. */
function deepFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value)) return false;
  for (const inner of Object.values(value)) if (!deepFrozen(inner)) return false;
  return true;
}

/** `JSON.stringify(toOfrep(key, result).body)`, from the cache when the result cannot change. */
export function evaluationJson(key: string, result: EngineResult): string {
  if (result.errorCode) return JSON.stringify(toOfrep(key, result).body);
  if (result.variant !== undefined && result.value !== undefined) {
    const hit = byResult.get(result);
    if (hit !== undefined && hit.key === key) return hit.json;
    const json = JSON.stringify(toOfrep(key, result).body);
    if (hit === undefined && deepFrozen(result)) byResult.set(result, { key, json });
    return json;
  }
  // code default: `{key, reason, metadata}`, decided by the flag's metadata, reason and key
  const metadata = result.flagMetadata;
  let answers = byMetadata.get(metadata);
  const id = `${result.reason}\u0000${key}`;
  const hit = answers?.get(id);
  if (hit !== undefined) return hit;
  const json = JSON.stringify(toOfrep(key, result).body);
  if (!deepFrozen(metadata)) return json;
  if (answers === undefined) {
    answers = new Map();
    byMetadata.set(metadata, answers);
  }
  answers.set(id, json);
  return json;
}

/**
 * The bulk answer `{flags, eventStreams, metadata?}` (in that key order, as the routes built it
 * before) from each flag's JSON and the JSON of `eventStreams` (an `EventStream[]`).
 */
export function bulkJson(
  flags: readonly string[],
  eventStreamsJson: string,
  setMetadata: Readonly<Record<string, unknown>>,
): string {
  let metadata = setMetadataJson.get(setMetadata);
  if (metadata === undefined) {
    metadata = Object.keys(setMetadata).length ? JSON.stringify(setMetadata) : null;
    if (deepFrozen(setMetadata)) setMetadataJson.set(setMetadata, metadata);
  }
  const tail = metadata === null ? '}' : `,"metadata":${metadata}}`;
  return `{"flags":[${flags.join(',')}],"eventStreams":${eventStreamsJson}${tail}`;
}
