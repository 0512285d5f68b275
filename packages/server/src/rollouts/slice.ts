/** Assembles the rollouts slice for the server: runtime, command handlers, service, routes. */
import type { Plan } from '@sluice/core/rollouts';
import type { EmergencyService } from '../emergency/emergency.service.js';
import type { AnyRoute } from '../http/route.js';
import type { MetricRegistry } from '../metrics/registry.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { Executor } from '../storage/index.js';
import type { CommandHandlers } from './command-handler.js';
import { flagHandlers } from './handlers/flags.js';
import { canaryVersion, ServiceWorld, type ServiceWorldDeps } from './handlers/service-world.js';
import { serviceHandlers } from './handlers/services.js';
import { servicesOf } from './rollout.kind.js';
import { rolloutRoutes } from './rollouts.routes.js';
import { RolloutsService } from './rollouts.service.js';
import { RolloutRuntime, type RuntimeOptions } from './runtime.js';

export interface RolloutsSetup {
  runtime: RolloutRuntime;
  service: RolloutsService;
  routes: AnyRoute[];
  /** Stops the runtime and releases provider connections (running versions keep running). */
  close(): Promise<void>;
}

export function setupRollouts(deps: {
  db: Executor;
  resources: ResourceService;
  registry: KindRegistry;
  emergency: EmergencyService;
  defaultEnvironment: () => string;
  now: () => Date;
  log?: RuntimeOptions['log'];
  /** What deploy, traffic and metric commands need; without it those commands fail, saying so. */
  services?: Omit<ServiceWorldDeps, 'db' | 'resources' | 'registry'> & { metrics: MetricRegistry };
  /** Extra or replacement handlers (tests). */
  handlers?: CommandHandlers;
}): RolloutsSetup {
  const world = deps.services
    ? new ServiceWorld({ ...deps.services, db: deps.db, resources: deps.resources, registry: deps.registry })
    : null;
  const runtime = new RolloutRuntime({
    db: deps.db,
    now: () => deps.now().getTime(),
    handlers: {
      ...flagHandlers(deps),
      ...(world && deps.services ? serviceHandlers(world, deps.services.metrics, deps.now) : {}),
      ...(deps.handlers ?? {}),
    },
    ...(deps.log ? { log: deps.log } : {}),
  });
  // a successful run makes what it delivered the stable version of each service it rolled out
  runtime.onTransition((run, result) => {
    if (
      result.state.status !== 'succeeded' ||
      !result.transitions.some((t) => t.stage === null && t.to === 'succeeded')
    )
      return;
    void promoteStableVersions(deps, run.environment, run.plan as Plan, run.id).catch((error: unknown) =>
      deps.log?.('error', 'recording the new stable versions failed', {
        runId: run.id,
        error: String(error),
      }),
    );
  });
  const close = async () => {
    await runtime.stop();
    await world?.close();
  };
  const service = new RolloutsService({
    db: deps.db,
    resources: deps.resources,
    registry: deps.registry,
    runtime,
    emergency: deps.emergency,
  });
  return { runtime, service, routes: rolloutRoutes(service, deps.defaultEnvironment), close };
}

async function promoteStableVersions(
  deps: { resources: ResourceService; registry: KindRegistry },
  environment: string,
  plan: Plan,
  runId: string,
) {
  const kind = deps.registry.find('Service');
  if (!kind) return;
  for (const app of servicesOf(plan)) {
    const current = await deps.resources.find(kind, environment, app);
    if (!current) continue;
    const version = canaryVersion(plan, app);
    if ((current.spec as { stableVersion?: string }).stableVersion === version) continue;
    await deps.resources.put(
      {
        kind,
        name: app,
        environment,
        spec: kind.spec.parse({ ...(current.spec as object), stableVersion: version }),
        source: runId,
      },
      { subject: `rollout:${runId}`, requestId: null, scopes: ['admin'] },
    );
  }
}
