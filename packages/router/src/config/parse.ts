import type { FieldError } from '@sluice/core/errors';
import type { z } from 'zod';
import { RouterConfigInvalid } from './errors.js';
import { type RouterSnapshot, routerSnapshotSchema } from './schema.js';

/** `['routes', 0, 'weights', 'v2']` → `routes[0].weights.v2` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesToFields(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validates a snapshot as a whole: it is returned complete (defaults filled in) or refused. */
export function parseRouterSnapshot(input: unknown): RouterSnapshot {
  const result = routerSnapshotSchema.safeParse(input);
  if (result.success) return result.data;
  const fields = issuesToFields(result.error.issues);
  const first = fields[0];
  const detail = first ? `${first.path}: ${first.message}` : 'invalid snapshot';
  throw RouterConfigInvalid(
    `router configuration refused (${fields.length} problem${fields.length === 1 ? '' : 's'}): ${detail}`,
    { fields },
  );
}
