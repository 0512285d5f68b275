/** The rollouts slice: runtime, command handlers, service, routes; resumes runs on start. */
import type { Plan, RunState, RunStatus } from '@sluice/core/rollouts';
import type { MetricRegistry } from '../analysis/registry.js';
import type { ExperimentsService } from '../experiments/experiments.service.js';
import type { EmergencyService } from '../flags/emergency/emergency.service.js';
import type { AnyRoute } from '../http/route.js';
import { operatorSecrets } from '../operator/operator-config.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { SliceContext } from '../slice.js';
import type { CommandHandlers } from './command-handler.js';
import { EventHooks } from './event-hooks.js';
import { FastRollback } from './fast-rollback.js';
import { experimentHandlers } from './handlers/experiments.js';
import { flagHandlers } from './handlers/flags.js';
import { canaryVersion, ServiceWorld, type ServiceWorldDeps } from './handlers/service-world.js';
import { serviceHandlers } from './handlers/services.js';
import { LoadTests } from './load-tests.js';
import { servicesOf } from './rollout.kind.js';
import { rolloutRoutes } from './rollouts.routes.js';
import { RolloutsService } from './rollouts.service.js';
import { runWriteRefusal } from './run-authority.js';
import type { RunObserver } from './run-journal.js';
import type { RunRecord } from './run-store.js';
import { createRunStore } from './run-store.kysely.js';
import { RolloutRuntime, type RuntimeOptions } from './runtime.js';

export interface RolloutsSlice {
  runtime: RolloutRuntime;
  service: RolloutsService;
  routes: AnyRoute[];
  /** Stops the runtime and releases provider connections (running versions keep running). */
  stop(): Promise<void>;
}

export interface RolloutsNeeds {
  resources: ResourceService;
  registry: KindRegistry;
  emergency: EmergencyService;
  /** The routing slice's snapshots and heartbeats, and the embedded router if any. */
  routerConfig: ServiceWorldDeps['routerConfig'];
  router: ServiceWorldDeps['router'];
  /** The analysis slice's providers, for metric gates and analysis steps. */
  metrics: MetricRegistry;
  /** The experiments slice's service, for ab_test stages. */
  experiments: ExperimentsService;
  /** Extra or replacement handlers (tests). */
  handlers?: CommandHandlers;
  /** Rows other slices write in each event's transaction (notifications outbox, release history). */
  observers?: readonly RunObserver[];
}

export async function rolloutsSlice(ctx: SliceContext, needs: RolloutsNeeds): Promise<RolloutsSlice> {
  const { db, now } = ctx;
  const log: RuntimeOptions['log'] = (level, message, fields) =>
    ctx.log?.[level]({ ...fields, component: 'rollouts' }, message);
  const world = new ServiceWorld({
    routerConfig: needs.routerConfig,
    router: needs.router,
    secrets: operatorSecrets(ctx.config.operator, process.env, ctx.config.dataDir),
    operator: ctx.config.operator,
    dataDir: ctx.config.dataDir,
    controlPlaneUrl: ctx.url,
    db,
    resources: needs.resources,
    registry: needs.registry,
  });
  const deps = { db, resources: needs.resources, registry: needs.registry, now };
  const authority = {
    rule: (kind: string) => needs.registry.get(kind),
    emergency: (environment: string) => needs.emergency.status(environment),
  };
  const runtime = new RolloutRuntime({
    db,
    now: () => now().getTime(),
    refuse: (command, run) => runWriteRefusal(authority, command, run),
    handlers: {
      ...flagHandlers(deps),
      ...experimentHandlers(needs.experiments),
      ...serviceHandlers(world, needs.metrics, now),
      ...(needs.handlers ?? {}),
    },
    log,
    observers: needs.observers ?? [],
  });
  // a successful run makes what it delivered the stable version of each service it rolled out
  runtime.onTransition((run, result) => {
    if (
      result.state.status !== 'succeeded' ||
      !result.transitions.some((t) => t.stage === null && t.to === 'succeeded')
    )
      return;
    void promoteStableVersions(deps, run).catch((error: unknown) =>
      log('error', 'recording the new stable versions failed', { runId: run.id, error: String(error) }),
    );
  });
  // Flagger's event webhooks hear every notice of a run (fire and forget, bounded)
  const events = new EventHooks(log, () => now().getTime());
  runtime.onTransition(events.onTransition);
  // canaries judged as the routers push their counts (decisive failures roll back at once)
  const fast = new FastRollback({ runtime, world, metrics: needs.metrics, now, log });
  runtime.onTransition((run, result) => fast.track(run, result.state));
  const unsubscribe = needs.routerConfig.onCounts((_source, counts) => fast.onCounts(counts));
  const loadTests = new LoadTests({
    router: needs.router,
    status: async (runId) =>
      ((await createRunStore(db).getRun(runId))?.status as RunStatus | undefined) ?? null,
    log: (level, message, fields) => log(level, message, fields),
  });
  const service = new RolloutsService({
    db,
    resources: needs.resources,
    registry: needs.registry,
    authority,
    runtime,
    emergency: needs.emergency,
    loadTests,
    logError: ctx.logError,
  });
  await runtime.resume();
  for (const run of await createRunStore(db).listRuns({ active: true, limit: 10_000 })) {
    fast.track(run, run.state as RunState);
    // a Canary run's load tests lived in the process that stopped: start them again
    void service
      .resumeLoadTests(run)
      .catch((error: unknown) =>
        log('error', 'resuming load tests failed', { runId: run.id, error: String(error) }),
      );
  }
  return {
    runtime,
    service,
    routes: rolloutRoutes(service, ctx.defaultEnvironment),
    async stop() {
      unsubscribe();
      loadTests.stop();
      await fast.stop();
      await runtime.stop();
      await world.close();
    },
  };
}

/**
 * With the starter's scopes, like every write of the run; not held back by emergency mode: it
 * records what already serves once the run succeeded.
 */
async function promoteStableVersions(
  deps: { resources: ResourceService; registry: KindRegistry },
  run: RunRecord,
) {
  const { environment, id: runId } = run;
  const plan = run.plan as Plan;
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
      { subject: `rollout:${runId}`, requestId: null, scopes: run.authority.scopes },
    );
  }
}
