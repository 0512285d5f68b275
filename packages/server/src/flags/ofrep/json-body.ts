/**
 * Request bodies of the OFREP fast path (fast-path.ts), read and parsed exactly as Fastify's
 * default JSON parser does for the Fastify routes (secure-json-parse with `__proto__` and
 * `constructor.prototype` refused, a leading BOM dropped, Fastify's byte limit and messages), so
 * both paths give the same answer to the same bytes (tested side by side).
 */
import type { IncomingMessage } from 'node:http';

/** A body failure, shaped like Fastify's own errors so one mapping serves both paths. */
export interface BodyError {
  statusCode: 400 | 413;
  message: string;
}

export const BODY_TOO_LARGE: BodyError = { statusCode: 413, message: 'Request body is too large' };
const LENGTH_MISMATCH: BodyError = {
  statusCode: 400,
  message: 'Request body size did not match Content-Length',
};
const EMPTY: BodyError = {
  statusCode: 400,
  message: "Body cannot be empty when content-type is set to 'application/json'",
};
const INVALID: BodyError = {
  statusCode: 400,
  message: "Body is not valid JSON but content-type is set to 'application/json'",
};

const SUSPECT_PROTO =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR =
  /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

const has = (o: object, key: string) => Object.hasOwn(o, key);

/** True when a parsed value carries `__proto__` or `constructor.prototype` anywhere. */
function poisoned(value: object): boolean {
  let next: object[] = [value];
  while (next.length) {
    const nodes = next;
    next = [];
    for (const node of nodes) {
      if (has(node, '__proto__')) return true;
      const ctor = (node as { constructor?: unknown }).constructor;
      if (has(node, 'constructor') && ctor !== null && typeof ctor === 'object' && has(ctor, 'prototype'))
        return true;
      for (const key in node) {
        const inner = (node as Record<string, unknown>)[key];
        if (inner && typeof inner === 'object') next.push(inner);
      }
    }
  }
  return false;
}

/** JSON text → value, or the error Fastify's JSON parser gives for it. */
export function parseJsonBody(text: string): { value: unknown } | { error: BodyError } {
  if (text.length === 0) return { error: EMPTY };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return { error: INVALID };
  }
  if (value === null || typeof value !== 'object') return { value };
  // without escapes, a suspect key is spelt out: two substring searches rule most bodies out
  if (!source.includes('\\') && !source.includes('__proto__') && !source.includes('constructor'))
    return { value };
  if (!SUSPECT_PROTO.test(source) && !SUSPECT_CONSTRUCTOR.test(source)) return { value };
  return poisoned(value) ? { error: INVALID } : { value };
}

/** `application/json`, with or without `charset=utf-8`: what the fast path accepts (others go to Fastify). */
export function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const lower = contentType.toLowerCase();
  return lower === 'application/json' || /^application\/json\s*;\s*charset="?utf-8"?$/.test(lower);
}

/**
 * Reads a request body up to `limit` bytes and hands its text to `done`, or the error Fastify
 * would answer: 413 past the limit (at once when Content-Length says so), 400 when the length
 * does not match Content-Length or the stream fails. (Inline listeners and no removal: this runs
 * once per request, and a finished request's listeners go with it.)
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (error: BodyError | null, text: string) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    done(BODY_TOO_LARGE, '');
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    received += chunk.length;
    if (received <= limit) chunks.push(chunk);
    else {
      settled = true;
      done(BODY_TOO_LARGE, '');
    }
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    if (!Number.isNaN(declared) && received !== declared) {
      done(LENGTH_MISMATCH, '');
      return;
    }
    const first = chunks[0];
    const text =
      chunks.length === 1 && first !== undefined
        ? first.toString('utf8')
        : Buffer.concat(chunks, received).toString('utf8');
    done(null, text);
  });
  req.on('error', (error: Error) => {
    if (settled) return;
    settled = true;
    done({ statusCode: 400, message: error.message }, '');
  });
}
