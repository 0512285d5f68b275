/**
 * JSON values in flag documents, checked without recursion. zod's `z.json()` recurses (a rule
 * nested a few thousand levels overflows the stack) and costs about 40 µs per node; this walks
 * the value once with an explicit stack and stops at the first problem.
 */
import { z } from 'zod';
import type { JsonValue } from './types.js';

/** Values (rules, variant values) nested deeper than this are refused before anything recurses. */
export const MAX_DEPTH = 100;

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number;
}

function pathOf(visit: Visit): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) keys.push(v.key);
  return keys.reverse();
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The first place `root` is not JSON or is nested more than `maxDepth` levels; undefined if none.
 * `depthOnly`: look at the nesting alone (anything that is not an object or array is a leaf).
 */
export function jsonProblem(
  root: unknown,
  maxDepth = MAX_DEPTH,
  depthOnly = false,
): { path: (string | number)[]; message: string } | undefined {
  const stack: Visit[] = [{ value: root, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const value = visit.value;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (depthOnly && typeof value !== 'object') continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) continue;
      return { path: pathOf(visit), message: 'expected a finite number' };
    }
    if (typeof value !== 'object') return { path: pathOf(visit), message: 'expected a JSON value' };
    if (visit.depth >= maxDepth)
      return { path: pathOf(visit), message: `nested more than ${maxDepth} levels deep` };
    const depth = visit.depth + 1;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], depth, parent: visit, key: i });
    } else if (depthOnly || isPlainObject(value)) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (value as Record<string, unknown>)[key], depth, parent: visit, key });
      }
    } else return { path: pathOf(visit), message: 'expected a JSON value' };
  }
  return undefined;
}

/** A zod schema for any JSON value nested at most `maxDepth` levels (rules, variant values). */
export function jsonValue(maxDepth = MAX_DEPTH): z.ZodType<JsonValue> {
  return z.custom<JsonValue>().superRefine((value, ctx) => {
    const problem = jsonProblem(value, maxDepth);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
}
