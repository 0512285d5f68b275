/** Assembles the rollouts slice for the server: runtime, command handlers, service, routes. */
import type { EmergencyService } from '../emergency/emergency.service.js';
import type { AnyRoute } from '../http/route.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { Executor } from '../storage/index.js';
import type { CommandHandlers } from './command-handler.js';
import { flagHandlers } from './handlers/flags.js';
import { rolloutRoutes } from './rollouts.routes.js';
import { RolloutsService } from './rollouts.service.js';
import { RolloutRuntime, type RuntimeOptions } from './runtime.js';

export interface RolloutsSetup {
  runtime: RolloutRuntime;
  service: RolloutsService;
  routes: AnyRoute[];
}

export function setupRollouts(deps: {
  db: Executor;
  resources: ResourceService;
  registry: KindRegistry;
  emergency: EmergencyService;
  defaultEnvironment: () => string;
  now: () => Date;
  log?: RuntimeOptions['log'];
  /** Handlers for deploy, traffic and metric commands, from the slices that own those edges. */
  handlers?: CommandHandlers;
}): RolloutsSetup {
  const runtime = new RolloutRuntime({
    db: deps.db,
    now: () => deps.now().getTime(),
    handlers: { ...flagHandlers(deps), ...(deps.handlers ?? {}) },
    ...(deps.log ? { log: deps.log } : {}),
  });
  const service = new RolloutsService({
    db: deps.db,
    resources: deps.resources,
    registry: deps.registry,
    runtime,
    emergency: deps.emergency,
  });
  return { runtime, service, routes: rolloutRoutes(service, deps.defaultEnvironment) };
}
