/**
 * Request bodies of OFREP evaluations (transport.ts), read and parsed as the app's JSON parser
 * does for the /api/v1 routes — the same library, secure-json-parse, and options (`__proto__` and
 * `constructor.prototype` refused, a leading BOM dropped, a nesting limit), Fastify's byte limit
 * and messages — so a body is refused alike everywhere.
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

/** What a body of another content type (or a body without one) gets, as Fastify answers it. */
export const UNSUPPORTED_TYPE: BodyError = { statusCode: 415, message: 'Unsupported Media Type' };

/**
 * `application/json`, with or without parameters (`charset=utf-8`…), in any case: a body OFREP
 * reads (as UTF-8, which JSON is). Any other type is a 415.
 */
export function isJsonType(contentType: string): boolean {
  if (contentType === 'application/json') return true;
  const semicolon = contentType.indexOf(';');
  const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return media === 'application/json';
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
