/**
 * An experiment served as a flag: key = the experiment's key, variants = its arms (each arm's
 * value is its name), evaluated by the ordinary flag engine — so OFREP, the feature API and the
 * SDKs give a user the same arm with no new API, and flagd evaluates it alike (only `fractional`,
 * `cat`, `in`, `segment` and `if` are used).
 *
 * While running, a user who enters gets their arm with reason TARGETING_MATCH; everyone else gets
 * `control` with reason DEFAULT and is not counted. A draft or stopped experiment serves `control`
 * to everyone (STATIC); a concluded one serves its `winner` (or control).
 */
import type { FlagDefinition, JsonValue } from '../flags/index.js';
import { armBuckets, layerBuckets } from './assign.js';
import { BUCKETS, CONTROL, type ExperimentSpec } from './schema.js';

/** Flag metadata key naming the experiment (SDKs and the exposure hook read it). */
export const EXPERIMENT_METADATA_KEY = 'experiment';

export interface ExperimentFlagOptions {
  /** Segment names that exist in the environment; a missing segment admits nobody (yet). */
  segments: ReadonlySet<string>;
}

const targetingKey = { var: 'targetingKey' };

/**
 * The flag that serves the experiment.
 * @example
 * experimentFlag('checkout-flow-redesign', spec, { segments: new Set(['new_users']) })
 * // → { state: 'ENABLED', variants: { control: 'control', variant_a: 'variant_a' }, defaultVariant: 'control', targeting: {...} }
 */
export function experimentFlag(
  key: string,
  spec: ExperimentSpec,
  options: ExperimentFlagOptions,
): FlagDefinition {
  const arms = Object.keys(spec.traffic_split);
  const variants = Object.fromEntries(arms.map((arm) => [arm, arm]));
  const metadata = { [EXPERIMENT_METADATA_KEY]: key, experimentStatus: spec.status };
  const base = { state: 'ENABLED' as const, variants, metadata, description: spec.name ?? spec.description };
  if (spec.status === 'concluded') return { ...base, defaultVariant: spec.winner ?? CONTROL };
  if (spec.status !== 'active') return { ...base, defaultVariant: CONTROL };
  const assign = {
    fractional: [
      { cat: [key, ':', spec.salt ?? key, ':', targetingKey] },
      ...armBuckets(spec.traffic_split).map(([arm, size]) => [arm, size]),
    ],
  };
  return {
    ...base,
    defaultVariant: CONTROL,
    targeting: { if: [{ and: entryConditions(spec, options) }, assign, null] },
  };
}

/** Who enters: a targeting key, the layer slice, any listed segment, a listed country, the rule. */
function entryConditions(spec: ExperimentSpec, options: ExperimentFlagOptions): JsonValue[] {
  const conditions: JsonValue[] = [{ '!!': [targetingKey] }];
  if (spec.layer) {
    const [from, to] = layerBuckets(spec.layer);
    const slice = [
      ['out', from],
      ['in', to - from],
      ['out', BUCKETS - to],
    ];
    conditions.push({
      '==': [{ fractional: [{ cat: ['layer:', spec.layer.name, ':', targetingKey] }, ...slice] }, 'in'],
    });
  }
  const segments = spec.targeting?.user_segments;
  if (segments?.length) {
    const known = segments.filter((s) => options.segments.has(s));
    conditions.push(known.length ? { or: known.map((s) => ({ segment: s })) } : false);
  }
  const countries = spec.targeting?.geo_locations;
  if (countries?.length) conditions.push({ in: [{ var: 'country' }, countries] });
  if (spec.targeting?.rule !== undefined) conditions.push(spec.targeting.rule as JsonValue);
  return conditions;
}
