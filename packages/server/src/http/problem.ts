/**
 * RFC 9457 problem details. Every error leaving /api/v1 has this shape, with Sluice's stable
 * `code` and, for validation, the JSON path of each bad field.
 */
import { type FieldError, SluiceError, ValidationFailed } from '@sluice/core';
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function toProblem(error: SluiceError, instance?: string, requestId?: string): Problem {
  return {
    ...error.extensions,
    type: `urn:sluice:error:${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(error.fields.length ? { errors: error.fields } : {}),
  };
}

/** `spec.stages[2].strategy` from zod's path. */
export function jsonPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

export function zodFields(prefix: string, error: z.ZodError): FieldError[] {
  const fields: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields.push({ path: jsonPath(prefix, [...issue.path, key]), message: 'unknown field' });
    } else {
      fields.push({ path: jsonPath(prefix, issue.path), message: issue.message });
    }
  }
  return fields;
}

/** Parses with a zod schema or throws VALIDATION_FAILED naming every bad field under `prefix`. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: string, what = 'input'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = zodFields(prefix, result.error);
  throw ValidationFailed(`${what} is not valid: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
    fields,
  });
}

export function isSluiceErrorLike(e: unknown): e is SluiceError {
  return e instanceof SluiceError;
}
