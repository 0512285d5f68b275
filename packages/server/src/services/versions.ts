/**
 * The versions Sluice runs for Services, as their deploy providers see them: listed by
 * `sluice service ps`, stopped when their Service is deleted, and — for the ones this host runs
 * itself (the `process` provider) — stopped when `sluice up` ends, if it is asked to.
 */
import { z } from 'zod';
import { type Deployment, deploymentSchema } from '../deploy/model.js';
import type { DeployProvider } from '../deploy/provider.js';
import type { KindRegistry } from '../resources/registry.js';
import type { ResourceService } from '../resources/resources.service.js';
import type { ServiceSpec } from './service.schema.js';

/** One version of a Service, where it runs and how it is doing. */
export const serviceVersionSchema = deploymentSchema
  .extend({ service: z.string(), environment: z.string(), provider: z.string() })
  .meta({ id: 'ServiceVersion' });
export type ServiceVersion = z.infer<typeof serviceVersionSchema>;

/** A Service as stored: enough to build its deploy provider without the database. */
export interface ServiceRef {
  environment: string;
  name: string;
  spec: ServiceSpec;
}

export type ProviderFactory = (ref: ServiceRef) => DeployProvider;

const PAGE = 500;

export class ServiceVersions {
  constructor(
    private readonly deps: {
      resources: ResourceService;
      registry: KindRegistry;
      provider: ProviderFactory;
      now: () => Date;
    },
  ) {}

  /** The stored Service (NOT_FOUND when there is none). */
  async ref(environment: string, name: string): Promise<ServiceRef> {
    const found = await this.deps.resources.get(this.deps.registry.get('Service'), environment, name);
    return { environment, name, spec: found.spec as ServiceSpec };
  }

  /** Every Service of an environment. */
  async refs(environment: string): Promise<ServiceRef[]> {
    const kind = this.deps.registry.get('Service');
    const out: ServiceRef[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.deps.resources.list(kind, environment, { limit: PAGE, cursor });
      out.push(...page.map((r) => ({ environment, name: r.metadata.name, spec: r.spec as ServiceSpec })));
      if (page.length < PAGE) return out;
      cursor = page.at(-1)?.metadata.name;
    }
  }

  /** Services whose versions run on this host (the `process` provider), in every environment. */
  async local(): Promise<ServiceRef[]> {
    const envs = await this.deps.resources.list(this.deps.registry.get('Environment'), null, { limit: PAGE });
    const all = await Promise.all(envs.map((e) => this.refs(e.metadata.name)));
    return all.flat().filter((s) => s.spec.deploy.provider === 'process');
  }

  /** What the Service's deploy provider runs now. */
  async list(ref: ServiceRef): Promise<ServiceVersion[]> {
    const provider = this.deps.provider(ref);
    try {
      return (await provider.list()).map((d) => this.view(ref, provider, d));
    } finally {
      await provider.close();
    }
  }

  /** Stops every version the Service's provider runs; what was stopped, or why not. */
  async stop(ref: ServiceRef): Promise<{ stopped: ServiceVersion[]; failed: string[] }> {
    const provider = this.deps.provider(ref);
    const stopped: ServiceVersion[] = [];
    const failed: string[] = [];
    try {
      const at = this.deps.now().toISOString();
      for (const d of await provider.list()) {
        try {
          const retired = await provider.retire({
            opId: `stop/${ref.name}/${d.version}/${at}`,
            version: d.version,
          });
          if (retired) stopped.push(this.view(ref, provider, retired));
        } catch (error) {
          failed.push(`${ref.name} ${d.version}: ${(error as Error).message}`);
        }
      }
    } finally {
      await provider.close();
    }
    return { stopped, failed };
  }

  private view(ref: ServiceRef, provider: DeployProvider, d: Deployment): ServiceVersion {
    return { ...d, service: ref.name, environment: ref.environment, provider: provider.name };
  }
}
