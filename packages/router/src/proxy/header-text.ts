/**
 * Strings of an upstream's response header lines, which undici hands over as bytes. An
 * upstream sends the same few names in every response, and mostly the same values (Server,
 * Content-Type, Date for a second…): comparing bytes with the ones seen last costs a fraction
 * of making a string of them (Buffer#toString, 0.1–0.2 µs a line, the largest part of the
 * router's own work on a response). Bounded: odd names and changing values cannot grow it, and
 * credentials (Set-Cookie…) are never kept.
 */

export interface HeaderName {
  readonly text: string;
  readonly lower: string;
  /** The value this name came with last (a copy), and its string. */
  lastValue: Buffer | undefined;
  lastText: string;
  /** Up on a changed value, down on a repeat: a name whose value keeps changing is no longer kept. */
  changes: number;
}

const NAMES_KEPT = 256;
/** Longer names (no real header's) are made a string each time rather than kept. */
const NAME_KEPT_MAX = 64;
/** Names whose values are credentials: never kept in this process-wide cache. */
const SECRET_VALUES = new Set(['set-cookie', 'authorization', 'proxy-authorization', 'cookie']);
/** Values longer than this are not kept (cookies, long caching headers). */
const VALUE_KEPT_MAX = 64;
const CHANGES_ALLOWED = 16;

const namesByLength = new Map<number, { bytes: Buffer; name: HeaderName }[]>();
let namesKept = 0;

function sameBytes(a: Buffer, b: Buffer): boolean {
  const length = a.length;
  if (b.length !== length) return false;
  let i = 0;
  while (i < length && a[i] === b[i]) i++;
  return i === length;
}

export function headerName(bytes: Buffer): HeaderName {
  const seen = namesByLength.get(bytes.length);
  if (seen !== undefined) {
    for (const known of seen) if (sameBytes(known.bytes, bytes)) return known.name;
  }
  const text = bytes.toString('latin1');
  const lower = text.toLowerCase();
  const kept = namesKept < NAMES_KEPT && bytes.length <= NAME_KEPT_MAX;
  const name: HeaderName = {
    text,
    lower,
    lastValue: undefined,
    lastText: '',
    // a value is only compared with the last one for names kept, and never for credentials
    changes: kept && !SECRET_VALUES.has(lower) ? 0 : CHANGES_ALLOWED + 1,
  };
  if (kept) {
    namesKept++;
    // copies: undici's buffers may be views on memory it reuses
    const entry = { bytes: Buffer.from(bytes), name };
    if (seen === undefined) namesByLength.set(bytes.length, [entry]);
    else seen.push(entry);
  }
  return name;
}

export function headerValue(name: HeaderName, bytes: Buffer): string {
  if (name.changes > CHANGES_ALLOWED) return bytes.toString('latin1');
  const last = name.lastValue;
  if (last !== undefined && sameBytes(last, bytes)) {
    if (name.changes > 0) name.changes--;
    return name.lastText;
  }
  const text = bytes.toString('latin1');
  name.changes += 2;
  if (bytes.length <= VALUE_KEPT_MAX) {
    name.lastValue = Buffer.from(bytes);
    name.lastText = text;
  }
  return text;
}
