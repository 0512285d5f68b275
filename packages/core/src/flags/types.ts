import type { Fn } from './logic-compile.js';
import type { FlagMetadata, FlagSetDocument, VariantValue } from './schema.js';

export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The value type `evaluate` returns for each requested flag type. */
export interface FlagValueOf {
  boolean: boolean;
  string: string;
  number: number;
  object: JsonValue;
}

/** OpenFeature reasons, plus Sluice's PREREQUISITE_FAILED. */
export type EvaluationReason =
  | 'STATIC'
  | 'TARGETING_MATCH'
  | 'DEFAULT'
  | 'DISABLED'
  | 'ERROR'
  | 'PREREQUISITE_FAILED';

/** OpenFeature error codes. */
export type EvaluationErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'PARSE_ERROR'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL';

/**
 * What an evaluation resolved to. Results without the caller's default value are computed once per
 * flag at compile time and shared: they are frozen, and so are the variant values inside them.
 */
export interface EvaluationResult<T> {
  readonly value: T;
  readonly variant?: string;
  readonly reason: EvaluationReason;
  readonly errorCode?: EvaluationErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata: Readonly<FlagMetadata>;
}

/** One entry of `evaluateAll`: `value` is absent when the caller's default would apply. */
export interface BulkEvaluation extends Omit<EvaluationResult<JsonValue>, 'value'> {
  readonly key: string;
  readonly value?: JsonValue;
}

/** Kill switches laid over a compiled set at evaluation time. */
export interface KillOverlay {
  /** Flags switched off by an operator. */
  killed?: ReadonlySet<string>;
  /** The environment is in emergency mode: every flag is killed. */
  emergency?: boolean;
}

export interface EvaluateOptions {
  /** Epoch seconds, exposed to rules as `$flagd.timestamp`. Without it the entry is absent. */
  now?: number;
  /**
   * Epoch seconds, read only when a rule reads `$flagd.timestamp` (once per evaluation); for a
   * caller that would otherwise read the clock for every evaluation. `now` wins when both are given.
   */
  clock?: () => number;
  overlay?: KillOverlay;
}

export interface CompileOptions {
  /** Named JsonLogic rules, used from targeting as `{"segment": "name"}` or `{"$ref": "name"}`. */
  segments?: Readonly<Record<string, unknown>>;
  /**
   * `strict` (default): any problem rejects the whole document. `flagd`: a flag whose targeting
   * does not compile evaluates to PARSE_ERROR and the rest of the set works, as flagd loads files.
   */
  mode?: 'strict' | 'flagd';
}

/** A precomputed result and the `typeof` of its value, for the type check. */
export interface Resolved {
  readonly result: EvaluationResult<JsonValue>;
  readonly type: string;
}

export interface CompiledPrerequisite {
  readonly flag: string;
  readonly variants: ReadonlySet<string>;
}

export interface CompiledFlag {
  readonly key: string;
  readonly enabled: boolean;
  readonly metadata: Readonly<FlagMetadata>;
  readonly targeting: Fn | undefined;
  /** Set when the targeting did not compile or is over budget (flagd mode only). */
  readonly parseError: string | undefined;
  readonly prerequisites: readonly CompiledPrerequisite[];
  /** Result for a static flag, or for targeting that returned null; undefined: caller's default. */
  readonly fallback: Resolved | undefined;
  readonly fallbackReason: 'STATIC' | 'DEFAULT';
  readonly matches: ReadonlyMap<string, Resolved>;
  readonly prerequisiteFailed: Resolved | undefined;
  readonly killed: Resolved | undefined;
}

/** A problem found in a flag set, and what it does there. */
export interface FlagSetProblem {
  /** Where it is: `flags.a.targeting.if[1]`, `segments.beta.in`, `$evaluators.x`. */
  readonly path: string;
  readonly message: string;
  /** The flag whose rule has it (a shared rule's problem is reported per flag that uses it); null for a segment checked on its own. */
  readonly flag: string | null;
  /**
   * `parse`: flagd rejects the flag's rule; the flag answers PARSE_ERROR. `lenient`: flagd accepts
   * it and evaluates the flag as written (the mistake answers the default variant, or GENERAL
   * when reached). `refused`: over the cost budget; the flag answers PARSE_ERROR, and no write
   * accepts it in any mode.
   */
  readonly kind: 'parse' | 'lenient' | 'refused';
}

export interface CompiledFlagSet {
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  readonly metadata: Readonly<FlagMetadata>;
  /** Every problem found (flagd mode; strict mode throws instead), in document order. */
  readonly problems: readonly FlagSetProblem[];
  /** The validated document the set was compiled from. */
  readonly document: FlagSetDocument;
}

export type { VariantValue };
