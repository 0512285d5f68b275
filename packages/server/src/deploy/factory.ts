/** The Service's `deploy` block → the provider that runs its versions. */
import { z } from 'zod';
import type { OperatorConnection } from '../operator/operator-config.js';
import type { SecretResolver } from '../secrets/index.js';
import { createKubernetesProvider, kubernetesDeploySchema } from './kubernetes.js';
import { type HealthCheck, parseInput } from './model.js';
import { createProcessProvider, processDeploySchema } from './process.js';
import type { DeployProvider } from './provider.js';
import { createStaticProvider, staticDeploySchema } from './static.js';
import { createWebhookProvider, webhookDeploySchema } from './webhook.js';

export const deploySpecSchema = z
  .discriminatedUnion('provider', [
    processDeploySchema,
    staticDeploySchema,
    webhookDeploySchema,
    kubernetesDeploySchema,
  ])
  .meta({ id: 'DeploySpec' });
export type DeploySpec = z.input<typeof deploySpecSchema>;
export const DEPLOY_PROVIDERS = ['process', 'static', 'webhook', 'kubernetes'] as const;

export interface DeployProviderDeps {
  /** The Service's name and environment: they key the process provider's state and fill templates. */
  service: string;
  environment?: string;
  /** The control plane's data dir (`SLUICE_DATA_DIR`). */
  dataDir: string;
  secrets: Pick<SecretResolver, 'resolve'>;
  /** The operator's named connections (SLUICE_CONFIG), for a kubernetes `deploy.connection` name. */
  connections?: Record<string, OperatorConnection>;
  /** The Service's health check; default `GET /health`. */
  healthCheck?: HealthCheck;
  /** Working directory for `process` commands that name none. */
  cwd?: string;
  /** Epoch milliseconds. */
  now?: () => number;
  /** The control plane's URL, for `process` versions (SLUICE_URL). */
  controlPlaneUrl?: () => string | undefined;
}

/** Builds the provider a Service's `deploy` block names; bad specs are VALIDATION_FAILED under `deploy.`. */
export function createDeployProvider(spec: DeploySpec, deps: DeployProviderDeps): DeployProvider {
  const s = parseInput(deploySpecSchema, spec, 'deploy');
  const common = {
    service: deps.service,
    ...(deps.environment !== undefined ? { environment: deps.environment } : {}),
    ...(deps.healthCheck ? { healthCheck: deps.healthCheck } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
  switch (s.provider) {
    case 'process':
      return createProcessProvider(s, {
        ...common,
        dataDir: deps.dataDir,
        ...(deps.cwd ? { cwd: deps.cwd } : {}),
        ...(deps.controlPlaneUrl ? { controlPlaneUrl: deps.controlPlaneUrl } : {}),
      });
    case 'static':
      return createStaticProvider(s, common);
    case 'webhook':
      return createWebhookProvider(s, { ...common, secrets: deps.secrets });
    case 'kubernetes':
      return createKubernetesProvider(s, {
        ...common,
        secrets: deps.secrets,
        ...(deps.connections ? { connections: deps.connections } : {}),
      });
  }
}
