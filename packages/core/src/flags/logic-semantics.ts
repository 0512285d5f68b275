/**
 * The value semantics of flagd's JsonLogic as the reference implementation (flagd-core on
 * json-logic-engine 5, compiled mode) has them: truthiness, loose comparison with numeric checks,
 * and dotted paths. Ported behaviour, not invented: every quirk here is matched by the differential
 * test against @openfeature/flagd-core.
 */

/** Thrown when JsonLogic coercion fails (the reference throws NaN); evaluation reports GENERAL. */
export class LogicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogicError';
  }
}

const NOT_A_NUMBER = new LogicError('operand is not a number');
const INVALID_ARGUMENTS = new LogicError('invalid arguments');

export function invalidArguments(): never {
  throw INVALID_ARGUMENTS;
}

export function notANumber(): never {
  throw NOT_A_NUMBER;
}

/** JsonLogic truthiness: empty arrays and empty plain objects are false, as are JS falsy values. */
export function truthy(value: unknown): boolean {
  if (!value) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      for (const key in value) if (Object.hasOwn(value, key)) return true;
      return false;
    }
  }
  return true;
}

/** Passes numbers through; throws for NaN and objects (json-logic-engine's precoerceNumber). */
export function precoerceNumber(item: unknown): unknown {
  if (Number.isNaN(item)) notANumber();
  if (!item) return item;
  if (typeof item === 'object') notANumber();
  return item;
}

function isStringOrNull(v: unknown): boolean {
  return typeof v === 'string' || v === null;
}

/** Compiled-mode operand check for the right-hand side of a comparison. */
export function compareCheck(item: unknown, prev: unknown, strict: boolean): unknown {
  if (strict || (isStringOrNull(item) && isStringOrNull(prev))) return item;
  if (Number.isNaN(+(precoerceNumber(item) as number)) && prev !== null) notANumber();
  if (Number.isNaN(+(precoerceNumber(prev) as number))) notANumber();
  // null == 0 and 0 == null are true in JsonLogic, unlike JS
  if (prev === null && !item) return null;
  if (item === null && !prev) return 0;
  return item;
}

export type Comparison = (a: unknown, b: unknown) => boolean;

// The operands are compared with JS operators on purpose (loose, coercing), as the reference does.
type Loose = number;
export const COMPARISONS: Record<string, Comparison> = {
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic == is JS loose equality
  '==': (a, b) => a == b,
  '===': (a, b) => a === b,
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic != is JS loose inequality
  '!=': (a, b) => a != b,
  '!==': (a, b) => a !== b,
  '<': (a, b) => (a as Loose) < (b as Loose),
  '<=': (a, b) => (a as Loose) <= (b as Loose),
  '>': (a, b) => (a as Loose) > (b as Loose),
  '>=': (a, b) => (a as Loose) >= (b as Loose),
};

/**
 * The interpreted comparison json-logic-engine uses when it folds a constant expression at build
 * time. It differs from the compiled one for three or more operands (strings then fail the numeric
 * check), so constant folding must use it to agree with the reference.
 */
export function compareInterpreted(op: Comparison, strict: boolean, values: readonly unknown[]): boolean {
  if (values.length <= 1) invalidArguments();
  if (values.length === 2) {
    const [a, b] = values;
    if (strict || (isStringOrNull(a) && isStringOrNull(b))) return op(a, b);
    if (Number.isNaN(+(precoerceNumber(a) as number))) notANumber();
    if (Number.isNaN(+(precoerceNumber(b) as number)) && a !== null) notANumber();
    return op(+(a as number), +(b as number));
  }
  let prev = values[0];
  for (let i = 1; i < values.length; i++) {
    const current = values[i];
    if (strict || (isStringOrNull(current) && isStringOrNull(prev))) {
      if (!op(prev, current)) return false;
    }
    if (Number.isNaN(+(precoerceNumber(current) as number)) && prev !== null) notANumber();
    if (i === 1 && Number.isNaN(+(precoerceNumber(prev) as number))) notANumber();
    if (!op(+(prev as number), +(current as number))) return false;
    prev = current;
  }
  return true;
}

/**
 * Splits a `var` path on dots; `\.` escapes a dot and `\\` a backslash (json-logic-engine's rules,
 * including "" → [""] and "a." → ["a", ""]).
 */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\') {
      const next = path[i + 1];
      if (next === '.' || next === '/') {
        current += next;
        i++;
      } else if (next === '\\') {
        current += '\\';
        i++;
      } else current += '\\';
    } else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (parts.length !== path.length) parts.push(current);
  return parts;
}

/** One step of a path walk: JS property access (strings have `length`), without the prototype hook. */
export function step(value: unknown, key: string): unknown {
  if (value === null || value === undefined || key === '__proto__') return undefined;
  return (value as Record<string, unknown>)[key];
}

/** `'' + value` as JS does it, which is what compiled `cat` does (null becomes "null"). */
export function concatPiece(value: unknown): string {
  return `${value as string}`;
}
