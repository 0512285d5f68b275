import { MAX_EVALUATION_COST } from './budget.js';
import type { Runtime } from './logic-compile.js';
import type {
  BulkEvaluation,
  CompiledFlag,
  CompiledFlagSet,
  EvaluateOptions,
  EvaluationErrorCode,
  EvaluationReason,
  EvaluationResult,
  FlagValueOf,
  FlagValueType,
  JsonValue,
  Resolved,
} from './types.js';

const EMPTY_CONTEXT: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

// Evaluation is synchronous and never re-entered while a rule runs, so one runtime object serves
// every call and the hot path allocates nothing but the caller-default results.
const runtime: Runtime = {
  ctx: EMPTY_CONTEXT,
  flagKey: '',
  timestamp: null,
  clock: undefined,
  merged: undefined,
  prev: undefined,
  budget: 0,
};

type AnyType = FlagValueType | 'any';

function failure<T>(
  value: T,
  errorCode: EvaluationErrorCode,
  errorMessage: string,
  flagMetadata: CompiledFlag['metadata'],
): EvaluationResult<T> {
  return { value, reason: 'ERROR', errorCode, errorMessage, flagMetadata };
}

function callerDefault<T>(value: T, reason: EvaluationReason, flag: CompiledFlag): EvaluationResult<T> {
  return { value, reason, flagMetadata: flag.metadata };
}

function typed<T>(found: Resolved, type: AnyType, defaultValue: T, flag: CompiledFlag): EvaluationResult<T> {
  if (type === 'any' || found.type === type) return found.result as EvaluationResult<T>;
  return failure(
    defaultValue,
    'TYPE_MISMATCH',
    `flag '${flag.key}' is of type ${found.type}, not ${type}`,
    flag.metadata,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function resolveFlag<T>(
  set: CompiledFlagSet,
  flag: CompiledFlag,
  type: AnyType,
  defaultValue: T,
  ctx: Record<string, unknown>,
  options: EvaluateOptions | undefined,
  depth: number,
): EvaluationResult<T> {
  const overlay = options?.overlay;
  if (overlay && (overlay.emergency || overlay.killed?.has(flag.key))) {
    if (flag.killed) return typed(flag.killed, type, defaultValue, flag);
    return callerDefault(defaultValue, 'DISABLED', flag);
  }
  if (!flag.enabled) return callerDefault(defaultValue, 'DISABLED', flag);

  const prerequisites = flag.prerequisites;
  for (let i = 0; i < prerequisites.length; i++) {
    const pre = prerequisites[i]!;
    const target = set.flags.get(pre.flag);
    // compile-time checks rule out missing targets and cycles; depth is a second guard
    const outcome =
      target && depth < 32 ? resolveFlag(set, target, 'any', undefined, ctx, options, depth + 1) : undefined;
    if (outcome?.variant === undefined || !pre.variants.has(outcome.variant)) {
      if (flag.prerequisiteFailed) return typed(flag.prerequisiteFailed, type, defaultValue, flag);
      return callerDefault(defaultValue, 'PREREQUISITE_FAILED', flag);
    }
  }

  if (flag.parseError !== undefined)
    return failure(defaultValue, 'PARSE_ERROR', flag.parseError, flag.metadata);
  const rule = flag.targeting;
  if (rule === undefined) {
    if (flag.fallback) return typed(flag.fallback, type, defaultValue, flag);
    return callerDefault(defaultValue, 'DEFAULT', flag);
  }

  let outcome: unknown;
  let variant: string;
  try {
    runtime.ctx = ctx;
    runtime.flagKey = flag.key;
    runtime.timestamp = options?.now ?? null;
    runtime.clock = options?.clock;
    runtime.merged = undefined;
    runtime.prev = undefined;
    runtime.budget = MAX_EVALUATION_COST;
    outcome = rule(ctx, runtime);
    if (outcome === null || outcome === undefined) {
      if (flag.fallback) return typed(flag.fallback, type, defaultValue, flag);
      return callerDefault(defaultValue, 'DEFAULT', flag);
    }
    // flagd-core names the variant with toString(): true → "true", 1 → "1"
    variant = typeof outcome === 'string' ? outcome : String(outcome);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return failure(
      defaultValue,
      'GENERAL',
      `error evaluating targeting of flag '${flag.key}': ${why}`,
      flag.metadata,
    );
  } finally {
    runtime.ctx = EMPTY_CONTEXT;
    runtime.merged = undefined;
  }
  const match = flag.matches.get(variant);
  if (!match) {
    return failure(
      defaultValue,
      'GENERAL',
      `variant '${variant}' not found in flag '${flag.key}'`,
      flag.metadata,
    );
  }
  return typed(match, type, defaultValue, flag);
}

function evaluateAs<T>(
  set: CompiledFlagSet,
  flagKey: string,
  type: AnyType,
  defaultValue: T,
  context: unknown,
  options: EvaluateOptions | undefined,
): EvaluationResult<T> {
  const flag = set.flags.get(flagKey);
  if (!flag) return failure(defaultValue, 'FLAG_NOT_FOUND', `flag '${flagKey}' not found`, set.metadata);
  const ctx = context === undefined || context === null ? EMPTY_CONTEXT : context;
  if (!isPlainObject(ctx)) {
    return failure(
      defaultValue,
      'INVALID_CONTEXT',
      'the evaluation context must be a JSON object',
      flag.metadata,
    );
  }
  if (ctx.targetingKey !== undefined && typeof ctx.targetingKey !== 'string') {
    return failure(defaultValue, 'INVALID_CONTEXT', 'targetingKey must be a string', flag.metadata);
  }
  return resolveFlag(set, flag, type, defaultValue, ctx, options, 0);
}

/**
 * Evaluates one flag for a context. Never throws: every failure is a result with reason ERROR, an
 * OpenFeature error code and the caller's default value.
 */
export function evaluate<K extends FlagValueType>(
  set: CompiledFlagSet,
  flagKey: string,
  type: K,
  defaultValue: FlagValueOf[K],
  context?: unknown,
  options?: EvaluateOptions,
): EvaluationResult<FlagValueOf[K]> {
  return evaluateAs(set, flagKey, type, defaultValue, context, options);
}

/**
 * Evaluates every flag of the set without a type (OFREP bulk evaluation). Entries whose value
 * would be the caller's default (disabled flags, no default variant, errors) have no `value`.
 */
export function evaluateAll(
  set: CompiledFlagSet,
  context?: unknown,
  options?: EvaluateOptions,
): BulkEvaluation[] {
  const out: BulkEvaluation[] = [];
  for (const key of set.flags.keys()) {
    const result = evaluateAs<JsonValue | undefined>(set, key, 'any', undefined, context, options);
    const { value, ...rest } = result;
    out.push(value === undefined ? { key, ...rest } : { key, value, ...rest });
  }
  return out;
}
