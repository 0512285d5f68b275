/**
 * JSON.parse of a sync payload in steps: a 10,000-flag set is 1.7 MB of text, whose parse at once
 * is a pause of its own (tens of ms, more on a loaded machine). The payload's members, and each
 * member of its `flags`, are cut out by a scanner that follows only strings and brackets, and
 * parsed one by one with JSON.parse, a step each. Anything the scanner does not expect (bad
 * JSON, a `__proto__` key) is left to JSON.parse of the whole text, which gives the value or the
 * exact error: the result is always what JSON.parse(text) gives.
 */
import type { Steps } from './flag-state.js';

const SPACE = /[ \t\n\r]*/y;
/** Where a string, object or array starts or ends. */
const STRUCTURE = /["{}[\]]/g;
/** Where a number, true, false or null ends. */
const PRIMITIVE_END = /[,}\]\s]/g;

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

/** After the string starting at `at` (a `"`), or -1. */
function stringEnd(text: string, at: number): number {
  for (let quote = text.indexOf('"', at + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

/** After the value starting at `at`, or -1 (JSON.parse of the piece checks it). */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === 34) return stringEnd(text, at);
  if (first !== 123 && first !== 91) {
    PRIMITIVE_END.lastIndex = at;
    return PRIMITIVE_END.exec(text)?.index ?? text.length;
  }
  let depth = 0;
  let next = at;
  for (;;) {
    STRUCTURE.lastIndex = next;
    const found = STRUCTURE.exec(text);
    if (!found) return -1;
    const c = text.charCodeAt(found.index);
    if (c === 34) {
      next = stringEnd(text, found.index);
      if (next < 0) return -1;
      continue;
    }
    depth += c === 123 || c === 91 ? 1 : -1;
    next = found.index + 1;
    if (depth === 0) return next;
  }
}

/** The object at `at` (a `{`), its members parsed one step each; undefined when unexpected. */
function* objectSteps(
  text: string,
  at: number,
  inSteps: (key: string) => boolean,
): Generator<undefined, { value: Record<string, unknown>; end: number } | undefined, undefined> {
  const value: Record<string, unknown> = {};
  let i = skipSpace(text, at + 1);
  if (text[i] === '}') return { value, end: i + 1 };
  for (;;) {
    if (text[i] !== '"') return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    // JSON.parse makes `__proto__` an own member; an assignment would set the prototype
    if (key === '__proto__') return undefined;
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') return undefined;
    i = skipSpace(text, i + 1);
    if (text[i] === '{' && inSteps(key)) {
      const inner = yield* objectSteps(text, i, () => false);
      if (!inner) return undefined;
      value[key] = inner.value;
      i = inner.end;
    } else {
      const end = valueEnd(text, i);
      if (end < 0) return undefined;
      value[key] = JSON.parse(text.slice(i, end));
      i = end;
      yield;
    }
    i = skipSpace(text, i);
    if (text[i] === '}') return { value, end: i + 1 };
    if (text[i] !== ',') return undefined;
    i = skipSpace(text, i + 1);
  }
}

/** Texts shorter than this are parsed at once. */
const AT_ONCE = 64 * 1024;

/**
 * JSON.parse(text) in steps: a step per member of the payload and of its `flags` (`changed`).
 * @throws SyntaxError as JSON.parse(text) does
 */
export function* jsonSteps(text: string): Steps<unknown> {
  const start = skipSpace(text, 0);
  if (text.length < AT_ONCE || text[start] !== '{') return JSON.parse(text);
  try {
    // the flags of a whole set, or those a large delta writes
    const parsed = yield* objectSteps(text, start, (key) => key === 'flags' || key === 'changed');
    if (parsed && skipSpace(text, parsed.end) === text.length) return parsed.value;
  } catch {
    // a piece that does not parse: the whole text's parse names the error
  }
  return JSON.parse(text);
}
