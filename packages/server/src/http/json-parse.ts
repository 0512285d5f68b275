/**
 * JSON request bodies, parsed alike by the Fastify routes and OFREP's evaluation path
 * (flags/ofrep/transport.ts): Fastify's own library and options (secure-json-parse: `__proto__` and `constructor.prototype` refused, a
 * leading BOM dropped) and its messages, plus a nesting limit.
 *
 * Nesting limit for JSON request bodies. Parsing deep input is cheap, but every recursive step
 * after it (zod, the flag engine, canonical JSON) uses the stack: 10,000 levels overflowed it
 * and answered 500 (issue 13, L1). Bodies nested deeper than this are refused, by a scan before
 * parsing (or, for text too short to be valid that deep, after it fails to parse).
 */
import sjson from 'secure-json-parse';

export const MAX_JSON_DEPTH = 64;

/** True when the JSON text opens more than `max` arrays/objects at once (strings are skipped). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

export const TOO_DEEP_MESSAGE = `Body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`;

/** A body failure, shaped like Fastify's own errors so one mapping serves both paths. */
export interface BodyError {
  statusCode: 400 | 413 | 415;
  message: string;
}

const EMPTY: BodyError = {
  statusCode: 400,
  message: "Body cannot be empty when content-type is set to 'application/json'",
};
const INVALID: BodyError = {
  statusCode: 400,
  message: "Body is not valid JSON but content-type is set to 'application/json'",
};
const TOO_DEEP: BodyError = { statusCode: 400, message: TOO_DEEP_MESSAGE };

/**
 * True when the text cannot hold a `__proto__` or `constructor` key in any spelling: the escaped
 * spellings secure-json-parse looks for all need a `\u`. Such text (nearly every request body)
 * parses with JSON.parse alone, to the same value: secure-json-parse would parse it, find no
 * suspect key and return it as it is.
 */
function withoutSuspectKeys(text: string): boolean {
  return !text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor');
}

/**
 * Valid JSON opening more than MAX_JSON_DEPTH levels is at least twice as many characters long
 * (each level opens and closes): shorter text needs no depth scan before parsing, only when it
 * fails to parse (to refuse it with the depth message, as a scan first would have).
 */
const SHORTEST_TOO_DEEP = 2 * (MAX_JSON_DEPTH + 1);

/** JSON text → value, or the error Fastify's JSON parser gives for it (its library and options). */
export function parseJsonBody(text: string): { value: unknown } | { error: BodyError } {
  if (text.length === 0) return { error: EMPTY };
  if (text.length >= SHORTEST_TOO_DEEP && jsonTooDeep(text)) return { error: TOO_DEEP };
  try {
    if (!withoutSuspectKeys(text))
      return { value: sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown };
    // secure-json-parse drops a leading BOM before parsing
    return { value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown };
  } catch {
    return { error: text.length < SHORTEST_TOO_DEEP && jsonTooDeep(text) ? TOO_DEEP : INVALID };
  }
}
