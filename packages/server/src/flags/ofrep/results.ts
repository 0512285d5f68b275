/**
 * From the engine's results to OFREP's, and the bulk ETag. Pure functions: the routes do I/O.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from '@sluice/core';
import type { BulkEvaluation, EvaluationResult, JsonValue } from '@sluice/core/flags';
import type { EvaluationFailure, EvaluationSuccess } from './ofrep.schema.js';

export type OfrepResult =
  | { status: 200; body: EvaluationSuccess }
  | { status: 400 | 404; body: EvaluationFailure };

type EngineResult = EvaluationResult<JsonValue | undefined> | BulkEvaluation;

/** Drops empty metadata so responses stay small (OFREP makes it optional). */
function withMetadata<T extends object>(body: T, metadata: Readonly<Record<string, unknown>>) {
  for (const _ in metadata) return { ...body, metadata: metadata as EvaluationSuccess['metadata'] };
  return body;
}

/**
 * Maps one result. A result without a variant is OFREP's "code default": no `value`, the
 * provider uses the caller's default (disabled flag, no default variant, failed prerequisite).
 */
export function toOfrep(key: string, result: EngineResult): OfrepResult {
  if (result.errorCode) {
    const body = withMetadata(
      { key, errorCode: result.errorCode, errorDetails: result.errorMessage ?? result.errorCode },
      result.flagMetadata,
    );
    return { status: result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, body };
  }
  if (result.variant === undefined || result.value === undefined)
    return { status: 200, body: withMetadata({ key, reason: result.reason }, result.flagMetadata) };
  return {
    status: 200,
    body: withMetadata(
      { key, value: result.value as JsonValue, reason: result.reason, variant: result.variant },
      result.flagMetadata,
    ),
  };
}

/** Why a context cannot be evaluated at all, or null when it can. */
export function contextProblem(context: unknown): string | null {
  if (context === null || typeof context !== 'object' || Array.isArray(context))
    return 'the evaluation context must be a JSON object';
  const key = (context as Record<string, unknown>).targetingKey;
  if (key !== undefined && typeof key !== 'string') return 'context.targetingKey must be a string';
  return null;
}

/**
 * The bulk ETag: everything that can change a result — the environment, its digest (flags,
 * segments, kills, emergency) and the context. Null when the context cannot be serialised
 * canonically (nested too deeply for the stack): the caller refuses it.
 */
export function bulkEtag(environment: string, digest: string, context: unknown): string | null {
  let json: string;
  try {
    json = canonicalJson(context);
  } catch {
    return null;
  }
  // one-shot hash of the same bytes the incremental form hashed (ETags survive upgrades)
  return `"${hash('sha256', `${environment}\n${digest}\n${json}`, 'base64url').slice(0, 27)}"`;
}

/** RFC 9110 If-None-Match (weak comparison): `*`, or any listed tag equal to ours. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const ours = etag.replace(/^W\//, '');
  return value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === ours);
}
