/**
 * What the service commands of a run need to know: a Service as it was when the run started,
 * which version each role is, and the deploy and traffic providers for it (built once per
 * Service spec and reused).
 */
import { NotFound } from '@sluice/core';
import type { Plan } from '@sluice/core/rollouts';
import type { Router } from '@sluice/router';
import { createAuditStore } from '../../audit/audit-store.kysely.js';
import { createDeployProvider } from '../../deploy/factory.js';
import { versionFromImage } from '../../deploy/model.js';
import type { DeployProvider } from '../../deploy/provider.js';
import type { OperatorConfig } from '../../operator/operator-config.js';
import { trafficOptionsFor } from '../../operator/traffic-options.js';
import type { KindRegistry } from '../../resources/registry.js';
import type { ResourceService } from '../../resources/resources.service.js';
import type { RouterConfigService } from '../../routing/router-config.service.js';
import type { SecretResolver } from '../../secrets/secrets.js';
import type { ServiceSpec } from '../../services/service.schema.js';
import type { Executor } from '../../storage/index.js';
import { createBuiltinProvider } from '../../traffic/builtin.js';
import { createGatewayApiProvider } from '../../traffic/gateway-api.js';
import { createHaproxyProvider } from '../../traffic/haproxy.js';
import { createNginxProvider } from '../../traffic/nginx.js';
import type { TrafficProvider } from '../../traffic/provider.js';
import type { RunContext } from '../command-handler.js';
import { createRunStore } from '../run-store.kysely.js';

export interface ServiceWorldDeps {
  db: Executor;
  resources: ResourceService;
  registry: KindRegistry;
  routerConfig: RouterConfigService;
  router: Router | null;
  secrets: SecretResolver;
  /** The operator configuration: named connections and traffic provider instances. */
  operator: OperatorConfig;
  dataDir: string;
  /** The control plane's URL, for versions that report to it. */
  controlPlaneUrl?: () => string | undefined;
}

export interface ResolvedService {
  name: string;
  spec: ServiceSpec;
  route: string;
  deploy: DeployProvider;
  traffic: TrafficProvider;
  /** The version this run delivers for the service. */
  canary: string;
  /** The version serving when the run started (null: the service had none). */
  stable: string | null;
}

export class ServiceWorld {
  private readonly deployers = new Map<string, DeployProvider>();
  private readonly routers = new Map<string, TrafficProvider>();

  constructor(private readonly deps: ServiceWorldDeps) {}

  async resolve(run: RunContext, app: string): Promise<ResolvedService> {
    const record = await createRunStore(this.deps.db).getRun(run.runId);
    if (!record) throw NotFound(`run ${run.runId} is gone`);
    const spec = await this.specAtStart(run.environment, app, record.startedAt);
    const key = `${run.environment}/${app}/${JSON.stringify(spec.deploy)}`;
    let deploy = this.deployers.get(key);
    if (!deploy) {
      deploy = createDeployProvider(spec.deploy, {
        service: app,
        environment: run.environment,
        dataDir: this.deps.dataDir,
        secrets: this.deps.secrets,
        connections: this.deps.operator.connections,
        healthCheck: spec.healthCheck,
        ...(this.deps.controlPlaneUrl ? { controlPlaneUrl: this.deps.controlPlaneUrl } : {}),
      });
      this.deployers.set(key, deploy);
    }
    const route = spec.traffic.route.name ?? app;
    const trafficKey = `${run.environment}/${app}/${JSON.stringify(spec.traffic)}`;
    let traffic = this.routers.get(trafficKey);
    if (!traffic) {
      traffic = this.trafficProvider(spec, route, run.environment);
      this.routers.set(trafficKey, traffic);
    }
    return {
      name: app,
      spec,
      route,
      deploy,
      traffic,
      canary: canaryVersion(record.plan as Plan, app),
      stable: spec.stableVersion ?? null,
    };
  }

  /** The plan a run follows (as stored when it started). */
  async plan(run: RunContext): Promise<Plan> {
    const record = await createRunStore(this.deps.db).getRun(run.runId);
    if (!record) throw NotFound(`run ${run.runId} is gone`);
    return record.plan as Plan;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.deployers.values()].map((d) => d.close()));
    await Promise.allSettled([...this.routers.values()].map((t) => t.close()));
  }

  private trafficProvider(spec: ServiceSpec, route: string, environment: string): TrafficProvider {
    const options = trafficOptionsFor(
      spec.traffic,
      this.deps.operator,
      this.deps.secrets,
      environment,
    ) as never;
    switch (spec.traffic.provider) {
      case 'haproxy':
        return createHaproxyProvider(options);
      case 'nginx':
        return createNginxProvider(options);
      case 'gateway-api':
        return createGatewayApiProvider(options);
      default:
        return createBuiltinProvider({
          route,
          environment,
          // the run acts for its environment: the Route is written with that scope, not admin
          actor: { subject: 'traffic:builtin', scopes: [`write:${environment}`] },
          host: spec.traffic.route.host,
          pathPrefix: spec.traffic.route.pathPrefix,
          sticky: spec.traffic.route.sticky,
          resources: this.deps.resources,
          registry: this.deps.registry,
          routerConfig: this.deps.routerConfig,
          router: this.deps.router,
        });
    }
  }

  /**
   * The Service as it was when the run started (from the audit log), so that `stable` keeps
   * meaning the version that served before the run even after the run moves stableVersion.
   */
  private async specAtStart(environment: string, app: string, startedAt: string): Promise<ServiceSpec> {
    const audit = await createAuditStore(this.deps.db).query({
      kind: 'Service',
      name: app,
      environment,
      until: startedAt,
      limit: 1,
    });
    const after = audit[0]?.after as { spec?: ServiceSpec } | null | undefined;
    if (after?.spec) return after.spec;
    const current = await this.deps.resources.find(this.deps.registry.get('Service'), environment, app);
    if (!current) throw NotFound(`Service "${app}" does not exist in ${environment}`);
    return current.spec as ServiceSpec;
  }
}

/** A stage's `config.image` tag, else the plan's version. */
export function canaryVersion(plan: Plan, app: string): string {
  for (const stage of plan.stages) {
    const config = stage.config as { app_name?: string; image?: string };
    if (config.app_name === app && config.image)
      return versionFromImage(config.image, `stages.${stage.name}.config.image`);
  }
  return plan.version;
}
