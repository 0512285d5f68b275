import { step } from './logic-semantics.js';

/** Per-evaluation state. One instance is reused across evaluations (evaluation is synchronous). */
export interface Runtime {
  ctx: Record<string, unknown>;
  flagKey: string;
  /** `$flagd.timestamp`, epoch seconds; null when the caller gave no clock. */
  timestamp: number | null;
  /** Epoch seconds when `timestamp` is null: read once, when a rule first reads the timestamp. */
  clock: (() => number) | undefined;
  /** The context with `$flagd` merged in, built only when a rule reads the whole context. */
  merged: Record<string, unknown> | undefined;
  /**
   * The reference's generated code keeps one scratch variable, `prev`, per compiled function;
   * `var`, comparisons and `and`/`or` write it, and a comparison reads it back after evaluating
   * its right operand — which may have overwritten it. Compiled-regime nodes mirror those writes.
   */
  prev: unknown;
  /** Work units this evaluation may still spend (budget.ts); reset before each rule runs. */
  budget: number;
}

/**
 * Reads a dotted path. At the top level `$flagd.flagKey` and `$flagd.timestamp` come from the
 * runtime (flagd overwrites any `$flagd` the caller sends). Returns undefined when not found.
 */
export function readPath(data: unknown, parts: readonly string[], rt: Runtime, topLevel: boolean): unknown {
  let value = data;
  let i = 0;
  if (topLevel && parts[0] === '$flagd') {
    if (parts.length === 1) return flagdObject(rt);
    const name = parts[1];
    value = name === 'flagKey' ? rt.flagKey : name === 'timestamp' ? timestampOf(rt) : undefined;
    i = 2;
  }
  for (; i < parts.length; i++) {
    if (value === null || value === undefined) return undefined;
    value = step(value, parts[i]!);
  }
  return value;
}

/** The evaluation's timestamp: the caller's, or its clock read now and kept for the evaluation. */
function timestampOf(rt: Runtime): number | undefined {
  if (rt.timestamp === null && rt.clock) rt.timestamp = rt.clock();
  return rt.timestamp ?? undefined;
}

export function flagdObject(rt: Runtime): Record<string, unknown> {
  return { flagKey: rt.flagKey, timestamp: timestampOf(rt) };
}

/** The whole evaluation context as the rule sees it, `$flagd` included. */
export function wholeContext(rt: Runtime): Record<string, unknown> {
  if (rt.merged === undefined) rt.merged = { ...rt.ctx, $flagd: flagdObject(rt) };
  return rt.merged;
}
