export * from './errors.js';
export {
  createDeployProvider,
  DEPLOY_PROVIDERS,
  type DeployProviderDeps,
  type DeploySpec,
  deploySpecSchema,
} from './factory.js';
export { createKubernetesProvider, type KubernetesDeploySpec, kubernetesDeploySchema } from './kubernetes.js';
export {
  DEFAULT_HEALTH_CHECK,
  type Deployment,
  type DeploymentState,
  type DeployRequest,
  deploymentSchema,
  deploymentStateSchema,
  deployRequestSchema,
  type HealthCheck,
  type RetireRequest,
  retireRequestSchema,
  type SmokeTest,
  versionFromImage,
  type WaitOptions,
} from './model.js';
export { createProcessProvider, type ProcessDeploySpec, processDeploySchema } from './process.js';
export type { DeployProvider } from './provider.js';
export { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER, verifySignature } from './signature.js';
export { runSmokeTests, type SmokeReport, type SmokeResult, smokeResultSchema } from './smoke.js';
export { createStaticProvider, type StaticDeploySpec, staticDeploySchema } from './static.js';
export {
  createWebhookProvider,
  type WebhookDeploySpec,
  webhookDeploySchema,
  webhookStatusSchema,
} from './webhook.js';
