/**
 * Request bodies of the OFREP fast path (fast-path.ts), read and parsed as Fastify's default JSON
 * parser does for the Fastify routes — with the same library, secure-json-parse, and Fastify's
 * options (`__proto__` and `constructor.prototype` refused, a leading BOM dropped), Fastify's
 * byte limit and messages — so both paths give the same answer to the same bytes (tested side by
 * side).
 */
import type { IncomingMessage } from 'node:http';
import type { BodyError } from '../../http/json-parse.js';

export type { BodyError } from '../../http/json-parse.js';
export { parseJsonBody } from '../../http/json-parse.js';

export const BODY_TOO_LARGE: BodyError = { statusCode: 413, message: 'Request body is too large' };
const LENGTH_MISMATCH: BodyError = {
  statusCode: 400,
  message: 'Request body size did not match Content-Length',
};

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
