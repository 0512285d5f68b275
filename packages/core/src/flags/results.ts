import type { FlagMetadata } from './schema.js';
import type { EvaluationReason, JsonValue, Resolved } from './types.js';

/** Freezes a JSON value all the way down, so shared results cannot be changed by a caller. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A result that does not depend on the caller, computed once per flag and variant. */
export function resolved(
  value: JsonValue,
  variant: string,
  reason: EvaluationReason,
  flagMetadata: Readonly<FlagMetadata>,
): Resolved {
  return {
    result: Object.freeze({ value, variant, reason, flagMetadata }),
    type: typeof value,
  };
}
