/**
 * Applies a scheduled change to a flag spec, without I/O: the same function validates a change
 * when it is scheduled and produces the spec when it runs, so a change that would leave the flag
 * invalid is refused up front and, if the flag moved meanwhile, fails whole at execution.
 */
import type { FieldError } from '@sluice/core';
import { type FlagDefinition, FlagSchema } from '@sluice/core/flags';
import type { ScheduledChange } from './schedule.schema.js';

export interface AppliedChange {
  spec: FlagDefinition | null;
  /** Paths are relative to the request body: `set.defaultVariant`, `set.fractionalWeights.on`. */
  problems: FieldError[];
}

export function applyScheduledChange(current: FlagDefinition, change: ScheduledChange): AppliedChange {
  const next = structuredClone(current) as Record<string, unknown>;
  const problems: FieldError[] = [];
  if (change.state !== undefined) next.state = change.state;
  if (change.defaultVariant !== undefined) next.defaultVariant = change.defaultVariant;
  if (change.targeting !== undefined) {
    if (change.targeting === null) delete next.targeting;
    else next.targeting = structuredClone(change.targeting);
  }
  if (change.fractionalWeights) {
    const variants = (next.variants ?? {}) as Record<string, unknown>;
    for (const variant of Object.keys(change.fractionalWeights)) {
      if (!Object.hasOwn(variants, variant))
        problems.push({
          path: `set.fractionalWeights.${variant}`,
          message: `"${variant}" is not one of the flag's variants (${Object.keys(variants).join(', ')})`,
        });
    }
    const op = firstFractional(next.targeting);
    if (!op)
      problems.push({
        path: 'set.fractionalWeights',
        message: 'the targeting has no fractional operation whose weights could change',
      });
    else op.fractional = withWeights(op.fractional, change.fractionalWeights);
  }
  if (problems.length) return { spec: null, problems };
  const parsed = FlagSchema.safeParse(next);
  if (parsed.success) return { spec: parsed.data, problems: [] };
  const changed = new Set(Object.keys(change));
  return {
    spec: null,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const top = String(issue.path[0] ?? '');
      // a problem in a field the change sets is the change's; others are the flag's own
      return { path: changed.has(top) ? `set.${path}` : `set (flag spec.${path})`, message: issue.message };
    }),
  };
}

type FractionalOp = { fractional: unknown[] };

/**
 * The first `fractional` operation in document order (depth first, keys as written). Only it
 * changes: a flag with several fractional operations schedules `targeting` to change the others.
 */
export function firstFractional(node: unknown): FractionalOp | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = firstFractional(item);
      if (found) return found;
    }
    return null;
  }
  if (node === null || typeof node !== 'object') return null;
  const obj = node as Record<string, unknown>;
  if (Array.isArray(obj.fractional)) return obj as FractionalOp;
  for (const value of Object.values(obj)) {
    const found = firstFractional(value);
    if (found) return found;
  }
  return null;
}

/** Keeps the bucketing-key expression (a non-array first argument); the buckets become the map. */
function withWeights(args: unknown[], weights: Record<string, number>): unknown[] {
  const key = args.length > 0 && !Array.isArray(args[0]) ? [args[0]] : [];
  return [...key, ...Object.entries(weights).map(([variant, weight]) => [variant, weight])];
}
