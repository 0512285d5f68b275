/**
 * Every kind this server knows. A slice adds its kind here; nothing else in the resource
 * machinery changes.
 */
import { metricTemplateKind, type PromqlChecker } from './analysis/templates/metric-template.kind.js';
import { environmentKind } from './environments/environment.kind.js';
import { experimentKind } from './experiments/experiment.kind.js';
import { metricSourceKind } from './experiments/sources/metric-source.kind.js';
import { type EmergencyLookup, emergencyWriteCheck, flagKind } from './flags/flag.kind.js';
import { segmentKind } from './flags/segment.kind.js';
import { gitSourceKind } from './gitops/git-source.kind.js';
import { notifierKind } from './notifications/notifier.kind.js';
import { KindRegistry } from './resources/registry.js';
import { canaryKind } from './rollouts/canary.kind.js';
import { rolloutKind } from './rollouts/rollout.kind.js';
import { routeKind } from './routing/route.kind.js';
import { serviceKind } from './services/service.kind.js';
import { tokenKind } from './tokens/token.kind.js';

export interface KindOptions {
  defaultEnvironment: () => string;
  /** Emergency state by environment; offline validation has none. */
  emergency?: EmergencyLookup;
  /** Asks Prometheus whether a MetricTemplate's PromQL parses; offline validation has none. */
  promql?: PromqlChecker;
}

export function createKindRegistry(options: KindOptions): KindRegistry {
  const emergency = options.emergency ?? (() => null);
  const check = emergencyWriteCheck(emergency);
  return new KindRegistry([
    environmentKind(options.defaultEnvironment),
    flagKind(emergency),
    segmentKind(check),
    experimentKind(emergencyWriteCheck(emergency, 'experiments')),
    metricSourceKind,
    metricTemplateKind(options.promql),
    routeKind,
    serviceKind,
    rolloutKind,
    canaryKind,
    tokenKind,
    notifierKind,
    gitSourceKind,
  ]);
}
