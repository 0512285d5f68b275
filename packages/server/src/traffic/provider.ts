import type { AppliedTraffic, Backends, MatchRule, Mirror, Weights } from './model.js';

/**
 * What a data plane can do. A rollout whose strategy needs a capability its service's provider
 * lacks is refused when it starts (see `checkCapabilities`), not half-way through.
 */
export const TRAFFIC_CAPABILITIES = [
  'weights',
  'backends',
  'headerMatch',
  'cookieMatch',
  'queryMatch',
  'mirror',
  'sticky',
] as const;

export type TrafficCapability = (typeof TRAFFIC_CAPABILITIES)[number];
export type TrafficCapabilities = Readonly<Record<TrafficCapability, boolean>>;

const DESCRIPTIONS: Record<TrafficCapability, string> = {
  weights: 'split traffic between versions by weight',
  backends: 'change the upstreams of a version at run time',
  headerMatch: 'route requests to a version by header',
  cookieMatch: 'route requests to a version by cookie',
  queryMatch: 'route requests to a version by query parameter',
  mirror: 'mirror (shadow) traffic to a version',
  sticky: 'keep a user on the version they first got (sticky sessions)',
};

/**
 * The contract every traffic provider (builtin router, HAProxy, NGINX, Gateway API) meets.
 * Modelled on Argo Rollouts' metric/provider.go: small, one doc comment per method.
 *
 * Every mutating method validates its input (VALIDATION_FAILED naming the field), checks it
 * against what is applied (TRAFFIC_CHANGE_CONFLICT) and the provider's capabilities
 * (TRAFFIC_CAPABILITY_MISSING), applies it, then returns the state READ BACK from the data
 * plane: the orchestrator trusts only that, never its own request. Data-plane failures are
 * TRAFFIC_PROVIDER_UNAVAILABLE / TRAFFIC_PROVIDER_REJECTED / TRAFFIC_APPLY_TIMEOUT.
 */
export interface TrafficProvider {
  /** The provider kind: `builtin`, `haproxy`, `nginx`, `gateway-api`. */
  readonly name: string;
  /** What this provider can do, fixed for its lifetime. */
  readonly capabilities: TrafficCapabilities;
  /** Reads what the data plane is doing right now (versions, weights, match rules, mirror). */
  read(): Promise<AppliedTraffic>;
  /**
   * Sets the upstream URL(s) of every version (the full map: versions left out are removed).
   * New versions start at weight 0; removing a version that still has weight, a match rule or
   * the mirror is a conflict.
   */
  setBackends(backends: Backends): Promise<AppliedTraffic>;
  /**
   * Sets the split: version → integer percent, summing to 100, every version known. Versions
   * left out get 0. Applied so that no moment has all weights at zero.
   */
  setWeights(weights: Weights): Promise<AppliedTraffic>;
  /**
   * Replaces the match rules (first match wins): requests carrying the header, cookie or query
   * value go to that version whatever the weights. `[]` removes them all.
   */
  setMatchRules(rules: MatchRule[]): Promise<AppliedTraffic>;
  /** Mirrors `percent`% of requests to a version (responses discarded); `null` stops mirroring. */
  setMirror(mirror: Mirror | null): Promise<AppliedTraffic>;
  /** Releases connections and timers; the data plane keeps its last configuration. */
  close(): Promise<void>;
}

/** A capability a rollout needs, optionally with what needs it (for the refusal message). */
export type RequiredCapability = TrafficCapability | { capability: TrafficCapability; neededBy: string };

/**
 * Which required capabilities the provider lacks, one human reason each; empty means the
 * rollout may start. Pure, so the orchestrator and the API can both call it.
 */
export function checkCapabilities(
  required: readonly RequiredCapability[],
  provider: Pick<TrafficProvider, 'name' | 'capabilities'>,
): string[] {
  const reasons: string[] = [];
  const seen = new Set<string>();
  for (const r of required) {
    const { capability, neededBy } = typeof r === 'string' ? { capability: r, neededBy: undefined } : r;
    const key = `${capability}|${neededBy ?? ''}`;
    if (provider.capabilities[capability] || seen.has(key)) continue;
    seen.add(key);
    const by = neededBy === undefined ? '' : ` (needed by ${neededBy})`;
    reasons.push(`traffic provider "${provider.name}" cannot ${DESCRIPTIONS[capability]}${by}`);
  }
  return reasons;
}

/** The capabilities each rollout strategy relies on. `feature_flag` moves flags, not traffic. */
export const STRATEGY_CAPABILITIES: Readonly<Record<string, readonly TrafficCapability[]>> = {
  blue_green: ['weights'],
  canary: ['weights'],
  progressive: ['weights'],
  shadow: ['mirror'],
  ab_test: ['weights', 'sticky'],
  feature_flag: [],
};

/** The capabilities a set of match rules needs (one per source used). */
export function matchRuleCapabilities(rules: readonly MatchRule[]): TrafficCapability[] {
  const bySource = { header: 'headerMatch', cookie: 'cookieMatch', query: 'queryMatch' } as const;
  return [...new Set(rules.map((r) => bySource[r.source]))];
}
