import { coerce, compare, parse, type SemVer } from 'semver';
import { NULL_NODE, type OpSpec, type Runtime } from './logic-compile.js';
import { truthy } from './logic-semantics.js';
import { bucketOf, javaStringHash, murmur3Utf8 } from './murmur3.js';

/**
 * flagd's custom operations (fractional, sem_ver, starts_with, ends_with) and Sluice's
 * (percentage_rollout, segment). Like flagd they get evaluated arguments and answer null — never
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

/** Validated `fractional` buckets: variants with their cumulative weights. */
interface Buckets {
  variants: BucketVariant[];
  /** `bounds[i]`: the sum of the weights of buckets 0..i. */
  bounds: number[];
  total: number;
}

/**
 * The buckets `entries[from..]` describe, or null when any entry is malformed or the weights
 * overflow (flagd checks every bucket before picking one: a bad entry anywhere means null).
 */
function bucketsOf(entries: readonly unknown[], from: number): Buckets | null {
  const variants: BucketVariant[] = [];
  const bounds: number[] = [];
  let total = 0;
  for (let i = from; i < entries.length; i++) {
    const entry = entries[i];
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
    variants.push((variant ?? null) as BucketVariant);
    bounds.push(total);
  }
  return total > MAX_WEIGHT ? null : { variants, bounds, total };
}

/** The variant whose bucket `bucketBy + suffix` hashes into. */
function pick(buckets: Buckets, bucketBy: string, suffix: string): BucketVariant {
  const bucket = bucketOf(murmur3Utf8(bucketBy, 0, suffix), buckets.total);
  const { bounds, variants } = buckets;
  for (let i = 0; i < bounds.length; i++) if (bounds[i]! > bucket) return variants[i]!;
  return null;
}

/**
 * Where the evaluation context comes from (inside an iterator: the element, which must carry
 * `$flagd`); undefined when there is none, which makes `fractional` null.
 */
function scopeOf(data: unknown, rt: Runtime, top: boolean): Record<string, unknown> | undefined {
  if (top) return rt.ctx;
  const scope = data as Record<string, unknown> | null | undefined;
  return scope === null || scope === undefined || !scope.$flagd ? undefined : scope;
}

/** The targeting key as text (the default bucketing key's second part); undefined when absent. */
function targetingKeyOf(scope: Record<string, unknown>): string | undefined {
  const targetingKey = scope.targetingKey;
  if (!targetingKey) return undefined;
  return typeof targetingKey === 'string' ? targetingKey : `${targetingKey}`;
}

/** The flag key (the default bucketing key's first part). */
function flagKeyOf(scope: Record<string, unknown>, rt: Runtime, top: boolean): string {
  return top ? rt.flagKey : `${(scope.$flagd as Record<string, unknown>).flagKey}`;
}

/** `fractional` on evaluated arguments: `[bucketBy?, ...buckets]`. */
function fractional(args: unknown[], data: unknown, rt: Runtime, top: boolean): BucketVariant {
  if (args.length < 1) return null;
  const scope = scopeOf(data, rt, top);
  if (scope === undefined) return null;
  if (typeof args[0] === 'string') {
    const buckets = bucketsOf(args, 1);
    return buckets && pick(buckets, args[0], '');
  }
  const suffix = targetingKeyOf(scope);
  if (suffix === undefined) return null;
  const buckets = bucketsOf(args, 0);
  return buckets && pick(buckets, flagKeyOf(scope, rt, top), suffix);
}

/**
 * `fractional` compiled. Buckets are nearly always literals, so when every argument after the
 * first is a constant they are validated and summed once, here; only the first argument (a
 * bucketing key or the first bucket) is evaluated per call. Anything else goes the general way.
 */
const fractionalOp: OpSpec = {
  deterministic: () => false,
  compile: (c, raw, path) => {
    const args = c.args(raw, path, true);
    const top = !c.inIterator;
    const general = c.node((data, rt) => fractional(args.get(data, rt), data, rt, top), args.nodes);
    const { nodes } = args;
    const literal =
      Array.isArray(raw) &&
      nodes.length > 0 &&
      nodes.every((n, i) => n.failing === undefined && (i === 0 || n.constant));
    if (!literal) return general;
    const values = nodes.map((n) => n.value);
    const afterKey = bucketsOf(values, 1);
    const first = nodes[0]!;
    const fromFirst = first.constant ? bucketsOf(values, 0) : undefined;
    const head = first.fn;
    return c.node((data, rt) => {
      // the first argument is evaluated before anything is checked, as in the general path
      const bucketBy = first.constant ? first.value : head(data, rt);
      const scope = scopeOf(data, rt, top);
      if (scope === undefined) return null;
      if (typeof bucketBy === 'string') return afterKey && pick(afterKey, bucketBy, '');
      if (fromFirst === undefined) return general.fn(data, rt); // a computed first bucket
      const suffix = targetingKeyOf(scope);
      if (suffix === undefined || fromFirst === null) return null;
      return pick(fromFirst, flagKeyOf(scope, rt, top), suffix);
    }, nodes);
  },
};

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
 * Sluice: `{"percentage_rollout": [percentage, key?]}` — the legacy feature service's rollout test,
 * `abs(javaHash(key)) % 100 < percentage`. The key defaults to the context's `userId`, then
 * `targetingKey`, then "anonymous" (the legacy service hashes `userId || 'anonymous'`).
 * `seed_percentage`, its first name, stays accepted so stored flags keep evaluating.
 */
function percentageRollout(args: unknown[], _data: unknown, rt: Runtime): boolean | null {
  const percentage = args[0];
  if (typeof percentage !== 'number' || Number.isNaN(percentage)) return null;
  let key = args[1];
  if (args.length < 2) key = rt.ctx.userId || rt.ctx.targetingKey || 'anonymous';
  if (typeof key === 'number') key = String(key);
  if (typeof key !== 'string') return null;
  return javaStringHash(key) % 100 < percentage;
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
  fractional: fractionalOp,
  sem_ver: custom(semVer),
  starts_with: custom(stringTest(true)),
  ends_with: custom(stringTest(false)),
};

export const SLUICE_OPS: Readonly<Record<string, OpSpec>> = {
  percentage_rollout: custom(percentageRollout),
  seed_percentage: custom(percentageRollout),
  segment: segmentOp,
};
