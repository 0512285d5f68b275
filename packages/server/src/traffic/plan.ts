import { ValidationFailed } from '@sluice/core/errors';
import { TrafficCapabilityMissing, TrafficChangeConflict } from './errors.js';
import {
  type AppliedTraffic,
  backendsSchema,
  type MatchRule,
  matchRulesSchema,
  mirrorSchema,
  parseInput,
  weightsSchema,
} from './model.js';
import {
  checkCapabilities,
  matchRuleCapabilities,
  type TrafficCapabilities,
  type TrafficProvider,
} from './provider.js';

// Pure planning: each `planX(current, input)` validates a change against the applied state
// and returns the full next state. Providers then only have to make a data plane match it.

type Subject = Pick<TrafficProvider, 'name' | 'capabilities'>;

function requireCapabilities(subject: Subject, needed: Parameters<typeof checkCapabilities>[0]): void {
  const reasons = checkCapabilities(needed, subject);
  if (reasons.length > 0) throw TrafficCapabilityMissing(reasons.join('; '), { extensions: { reasons } });
}

function unknownVersion(path: string, version: string, current: AppliedTraffic) {
  const known = Object.keys(current.backends);
  return ValidationFailed(`${path}: unknown version "${version}"`, {
    fields: [{ path, message: `unknown version "${version}"; known: ${known.join(', ') || '(none)'}` }],
  });
}

export function planBackends(current: AppliedTraffic, input: unknown, subject: Subject): AppliedTraffic {
  const backends = parseInput(backendsSchema, input, 'backends');
  if (JSON.stringify(backends) !== JSON.stringify(current.backends))
    requireCapabilities(subject, ['backends']);
  for (const version of Object.keys(current.backends)) {
    if (version in backends) continue;
    const path = `backends.${version}`;
    const uses = [
      (current.weights[version] ?? 0) > 0 ? `${current.weights[version]}% of traffic` : '',
      current.matchRules.some((r) => r.version === version) ? 'a match rule' : '',
      current.mirror?.version === version ? 'the mirror' : '',
    ].filter(Boolean);
    if (uses.length > 0) {
      const message = `version "${version}" still has ${uses.join(', ')}; move them first`;
      throw TrafficChangeConflict(`${path}: ${message}`, { fields: [{ path, message }] });
    }
  }
  const weights = Object.fromEntries(Object.keys(backends).map((v) => [v, current.weights[v] ?? 0]));
  return { ...current, backends, weights };
}

export function planWeights(current: AppliedTraffic, input: unknown, subject: Subject): AppliedTraffic {
  requireCapabilities(subject, ['weights']);
  const weights = parseInput(weightsSchema, input, 'weights');
  for (const version of Object.keys(weights)) {
    if (!(version in current.backends)) throw unknownVersion(`weights.${version}`, version, current);
  }
  const next = Object.fromEntries(Object.keys(current.backends).map((v) => [v, weights[v] ?? 0]));
  return { ...current, weights: next };
}

export function planMatchRules(current: AppliedTraffic, input: unknown, subject: Subject): AppliedTraffic {
  const rules: MatchRule[] = parseInput(matchRulesSchema, input, 'matchRules');
  rules.forEach((r, i) => {
    if (!(r.version in current.backends))
      throw unknownVersion(`matchRules[${i}].version`, r.version, current);
  });
  requireCapabilities(
    subject,
    matchRuleCapabilities(rules).map((capability) => ({ capability, neededBy: 'match rules' })),
  );
  return { ...current, matchRules: rules };
}

export function planMirror(current: AppliedTraffic, input: unknown, subject: Subject): AppliedTraffic {
  const mirror = parseInput(mirrorSchema.nullable(), input, 'mirror');
  if (mirror === null) return { ...current, mirror: null };
  if (!(mirror.version in current.backends)) throw unknownVersion('mirror.version', mirror.version, current);
  requireCapabilities(subject, [{ capability: 'mirror', neededBy: 'mirroring' }]);
  return { ...current, mirror };
}

/** The data-plane side a provider implements; `createTrafficProvider` adds validation and read-back. */
export interface DataPlane {
  readonly name: string;
  readonly capabilities: TrafficCapabilities;
  /** Reads the applied state from the data plane itself. */
  read(): Promise<AppliedTraffic>;
  /** Refuses what this data plane cannot express (beyond the common checks); throws a SluiceError. */
  validate?(next: AppliedTraffic): void;
  /** Makes the data plane do `next`; `current` is what `read` returned just before. */
  apply(next: AppliedTraffic, current: AppliedTraffic): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Wraps a data plane into a TrafficProvider: every change is read-validate-apply-read back,
 * one at a time (changes are serialised so two callers never interleave a read and a write).
 */
export function createTrafficProvider(plane: DataPlane): TrafficProvider {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  const change = (plan: (current: AppliedTraffic) => AppliedTraffic) =>
    serial(async () => {
      const current = await plane.read();
      const next = plan(current);
      plane.validate?.(next);
      await plane.apply(next, current);
      return plane.read();
    });
  return {
    name: plane.name,
    capabilities: plane.capabilities,
    read: () => serial(() => plane.read()),
    setBackends: (b) => change((c) => planBackends(c, b, plane)),
    setWeights: (w) => change((c) => planWeights(c, w, plane)),
    setMatchRules: (r) => change((c) => planMatchRules(c, r, plane)),
    setMirror: (m) => change((c) => planMirror(c, m, plane)),
    close: async () => {
      await queue;
      await plane.close?.();
    },
  };
}
