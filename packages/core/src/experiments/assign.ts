/**
 * Sticky assignment. A user's bucket is murmur3 (x86_32, UTF-8) of `key:salt:targetingKey`
 * scaled to 10,000 buckets — exactly what the flag engine's `fractional` computes for that
 * bucketing key — and the traffic split hands out the buckets to the arms in its order. Layers
 * hash `layer:name:targetingKey` the same way; each experiment of a layer owns a slice of it.
 */
import { bucketOf, murmur3Utf8 } from '../flags/index.js';
import { BUCKETS, type ExperimentSpec, type Layer } from './schema.js';

/** The text a user's arm is hashed from; the experiment flag's `fractional` uses the same. */
export function bucketingKey(key: string, salt: string, targetingKey: string): string {
  return `${key}:${salt}:${targetingKey}`;
}

export function layerKey(layer: string, targetingKey: string): string {
  return `layer:${layer}:${targetingKey}`;
}

/** 0 ≤ bucket < 10,000. */
export function bucketOfText(text: string): number {
  return bucketOf(murmur3Utf8(text), BUCKETS);
}

/** Each arm's share in buckets (whole numbers adding up to 10,000), in the split's order. */
export function armBuckets(split: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(split).map(([arm, percent]) => [arm, Math.round(percent * 100)]);
}

/** The layer slice `[from, to)` in buckets. */
export function layerBuckets(layer: Layer): [number, number] {
  return [Math.round(layer.from * 100), Math.round(layer.to * 100)];
}

/** Whether a user falls in the experiment's slice of its layer (always, without a layer). */
export function inLayerSlice(layer: Layer | undefined, targetingKey: string): boolean {
  if (!layer) return true;
  const [from, to] = layerBuckets(layer);
  const bucket = bucketOfText(layerKey(layer.name, targetingKey));
  return bucket >= from && bucket < to;
}

/**
 * The arm a user gets if they enter the experiment (targeting aside).
 * @example
 * armFor('checkout-flow-redesign', spec, 'user-42') // → 'variant_a'
 */
export function armFor(
  key: string,
  spec: Pick<ExperimentSpec, 'traffic_split' | 'salt'>,
  targetingKey: string,
) {
  const bucket = bucketOfText(bucketingKey(key, spec.salt ?? key, targetingKey));
  let bound = 0;
  for (const [arm, size] of armBuckets(spec.traffic_split)) {
    bound += size;
    if (bucket < bound) return arm;
  }
  // unreachable: the shares add up to 10,000 buckets
  return Object.keys(spec.traffic_split).at(-1) as string;
}

/**
 * Whether two layer slices share buckets (two experiments of one layer must not).
 */
export function slicesOverlap(a: Layer, b: Layer): boolean {
  const [af, at] = layerBuckets(a);
  const [bf, bt] = layerBuckets(b);
  return af < bt && bf < at;
}

/**
 * What changing a running experiment's split does to its users: the share of users (of those
 * who enter) whose arm changes, and why that matters.
 */
export function splitChangeEffect(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): { movedShare: number; description: string } {
  // Users keep their bucket; a bucket changes arm where the cumulative ranges differ.
  const ranges = (split: Readonly<Record<string, number>>) => {
    const out = new Map<string, [number, number]>();
    let at = 0;
    for (const [arm, size] of armBuckets(split)) {
      out.set(arm, [at, at + size]);
      at += size;
    }
    return out;
  };
  const a = ranges(before);
  const b = ranges(after);
  let kept = 0;
  for (const [arm, [from, to]] of a) {
    const next = b.get(arm);
    if (next) kept += Math.max(0, Math.min(to, next[1]) - Math.max(from, next[0]));
  }
  const movedShare = (BUCKETS - kept) / BUCKETS;
  const percent = (movedShare * 100).toFixed(2).replace(/\.?0+$/, '');
  return {
    movedShare,
    description:
      `${percent} % of the users in the experiment would switch arm; users already counted keep ` +
      'the arm they were counted in, so their later behaviour mixes both arms, and the sample ' +
      'ratio check compares the old users with the new split (an SRM can void the results). ' +
      'Stop this experiment and start a new one (or a new salt) to change the split cleanly',
  };
}
