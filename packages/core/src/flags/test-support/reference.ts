/** Drives @openfeature/flagd-core, the JavaScript reference evaluator, for comparison tests. */
import { FlagdCore } from '@openfeature/flagd-core';
import type { FlagValueType, JsonValue } from '../types.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

export interface ReferenceResult {
  value: unknown;
  variant?: string | undefined;
  reason?: string | undefined;
  errorCode?: string | undefined;
  flagMetadata?: Record<string, unknown> | undefined;
}

export function referenceCore(doc: unknown): FlagdCore {
  const core = new FlagdCore(undefined, silent);
  core.setConfigurations(JSON.stringify(doc));
  return core;
}

export function referenceEvaluate(
  core: FlagdCore,
  key: string,
  type: FlagValueType,
  fallback: JsonValue,
  context: Record<string, unknown>,
): ReferenceResult {
  // flagd-core's context type is OpenFeature's EvaluationContext; ours is plain JSON
  const r = core.resolve(type, key, fallback as never, context as never);
  return {
    value: r.value,
    variant: r.variant,
    reason: r.reason,
    errorCode: r.errorCode,
    flagMetadata: r.flagMetadata as Record<string, unknown>,
  };
}
