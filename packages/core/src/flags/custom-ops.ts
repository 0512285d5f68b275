import { coerce, compare, parse, type SemVer } from 'semver';
import { NULL_NODE, type OpSpec, type Runtime } from './logic-compile.js';
import { truthy } from './logic-semantics.js';
import { bucketOf, murmur3Utf8, seedHash } from './murmur3.js';

/**
 * flagd's custom operations (fractional, sem_ver, starts_with, ends_with) and Sluice's
 * (seed_percentage, segment). Like flagd they get evaluated arguments and answer null — never
 * throw — on bad input, so the flag falls back to its default variant.
 */

const MAX_WEIGHT = 2147483647;

/** Evaluated-argument operation: `impl(args, data, rt)`; never folded (flagd-core does not either). */
function custom(impl: (args: unknown[], data: unknown, rt: Runtime, top: boolean) => unknown): OpSpec {
  return {
    deterministic: () => false,
    compile: (c, raw, path) => {
      const args = c.args(raw, path, true);
      const get = args.get;
      const top = !c.inIterator;
      return c.node((data, rt) => impl(get(data, rt), data, rt, top), args.nodes);
    },
  };
}

type BucketVariant = string | number | boolean | null;

function fractional(args: unknown[], data: unknown, rt: Runtime, top: boolean): BucketVariant {
  if (args.length < 1) return null;
  // Inside an iterator the reference reads $flagd and targetingKey from the element.
  const scope = top ? rt.ctx : (data as Record<string, unknown> | null | undefined);
  if (!top && (scope === null || scope === undefined || !(scope as Record<string, unknown>).$flagd))
    return null;
  // the bucketing key is `bucketBy + suffix`; the default (flag key + targeting key) is hashed
  // in two parts rather than concatenated
  let bucketBy: string;
  let suffix = '';
  let first = 0;
  if (typeof args[0] === 'string') {
    bucketBy = args[0];
    first = 1;
  } else {
    const targetingKey = (scope as Record<string, unknown>).targetingKey;
    if (!targetingKey) return null;
    bucketBy = top ? rt.flagKey : `${(scope as Record<string, Record<string, unknown>>).$flagd!.flagKey}`;
    suffix = typeof targetingKey === 'string' ? targetingKey : `${targetingKey}`;
  }
  // validate every bucket before picking one: a bad entry anywhere means null
  let total = 0;
  for (let i = first; i < args.length; i++) {
    const entry = args[i];
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return null;
    const variant = entry[0];
    const kind = typeof variant;
    if (
      kind !== 'string' &&
      kind !== 'number' &&
      kind !== 'boolean' &&
      variant !== null &&
      variant !== undefined
    ) {
      return null;
    }
    if (entry.length === 2) {
      const weight = entry[1];
      if (typeof weight !== 'number' || !Number.isInteger(weight)) return null;
      total += Math.max(0, weight);
    } else total += 1;
  }
  if (total > MAX_WEIGHT) return null;
  const bucket = bucketOf(murmur3Utf8(bucketBy, 0, suffix), total);
  let sum = 0;
  for (let i = first; i < args.length; i++) {
    const entry = args[i] as unknown[];
    sum += entry.length === 2 ? Math.max(0, entry[1] as number) : 1;
    if (sum > bucket) return (entry[0] ?? null) as BucketVariant;
  }
  return null;
}

/** flagd's lenient version parsing: optional v/V prefix, "1" and "1.2" coerced, else strict semver. */
function normalizeVersion(raw: unknown): SemVer | null {
  const text = String(raw).replace(/^[vV]/, '');
  const strict = parse(text);
  if (strict) return strict;
  if (/^\d+(\.\d+)?$/.test(text)) return coerce(text);
  return null;
}

function semVer(args: unknown[]): boolean | null {
  if (args.length !== 3) return null;
  const left = normalizeVersion(args[0]);
  const right = normalizeVersion(args[2]);
  if (!left || !right) return null;
  const order = compare(left, right);
  switch (String(args[1])) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '^':
      return left.major === right.major;
    case '~':
      return left.major === right.major && left.minor === right.minor;
    default:
      return null;
  }
}

function stringTest(atStart: boolean) {
  return (args: unknown[]): boolean | null => {
    if (args.length !== 2) return null;
    const text = args[0];
    const part = args[1];
    if (typeof text !== 'string' || typeof part !== 'string') return null;
    return atStart ? text.startsWith(part) : text.endsWith(part);
  };
}

/**
 * Sluice: `{"seed_percentage": [percentage, key?]}` — the seed service's legacy rollout test,
 * `abs(javaHash(key)) % 100 < percentage`. The key defaults to the context's `userId`, then
 * `targetingKey`, then "anonymous" (the seed hashes `userId || 'anonymous'`).
 */
function seedPercentage(args: unknown[], _data: unknown, rt: Runtime): boolean | null {
  const percentage = args[0];
  if (typeof percentage !== 'number' || Number.isNaN(percentage)) return null;
  let key = args[1];
  if (args.length < 2) key = rt.ctx.userId || rt.ctx.targetingKey || 'anonymous';
  if (typeof key === 'number') key = String(key);
  if (typeof key !== 'string') return null;
  return seedHash(key) % 100 < percentage;
}

/** Sluice: `{"segment": "name"}` — true when the named segment's rule is truthy for this context. */
const segmentOp: OpSpec = {
  deterministic: () => false,
  compile: (c, raw, path) => {
    const name = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    if (typeof name !== 'string') {
      c.problem(path, 'segment takes the name of a segment (a string)');
      return NULL_NODE;
    }
    const rule = c.compileSegment(name, path)?.fn;
    if (!rule) return NULL_NODE;
    // a segment always looks at the whole context, even when used inside an iterator
    return { constant: false, fn: (_data, rt) => truthy(rule(rt.ctx, rt)) };
  },
};

export const FLAGD_OPS: Readonly<Record<string, OpSpec>> = {
  fractional: custom(fractional),
  sem_ver: custom(semVer),
  starts_with: custom(stringTest(true)),
  ends_with: custom(stringTest(false)),
};

export const SLUICE_OPS: Readonly<Record<string, OpSpec>> = {
  seed_percentage: custom(seedPercentage),
  segment: segmentOp,
};
