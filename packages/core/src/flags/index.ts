export {
  MAX_ARRAY_ITEMS,
  MAX_EVALUATION_COST,
  MAX_FLAG_OPERATIONS,
  MAX_SET_OPERATIONS,
} from './budget.js';
export {
  type CompiledSource,
  type CompiledSources,
  compileFlagSet,
  compileFlagSetInSteps,
  type SteppedCompile,
  type SteppedCompileOptions,
} from './compile.js';
export { FlagDefinitionInvalid } from './errors.js';
export { evaluate, evaluateAll } from './evaluate.js';
export { jsonValue, MAX_DEPTH } from './json-value.js';
export { bucketOf, javaStringHash, murmur3Utf8 } from './murmur3.js';
export {
  FLAG_KEY_PATTERN,
  type FlagDefinition,
  FlagKeySchema,
  type FlagMetadata,
  FlagMetadataSchema,
  FlagSchema,
  type FlagSetDocument,
  FlagSetDocumentSchema,
  type Prerequisite,
  PrerequisiteSchema,
  SegmentsSchema,
  type VariantValue,
  VariantValueSchema,
} from './schema.js';
export {
  type FlagSetDelta,
  FlagSetDeltaSchema,
  type FlagSetSync,
  FlagSetSyncSchema,
  type ImpressionBatch,
  ImpressionBatchSchema,
  type ImpressionResult,
  ImpressionResultSchema,
  MAX_IMPRESSION_COUNT,
  MAX_IMPRESSION_ITEMS,
} from './sync.js';
export type {
  BulkEvaluation,
  CompiledFlag,
  CompiledFlagSet,
  CompileOptions,
  EvaluateOptions,
  EvaluationErrorCode,
  EvaluationReason,
  EvaluationResult,
  FlagSetProblem,
  FlagValueOf,
  FlagValueType,
  JsonValue,
  KillOverlay,
} from './types.js';
