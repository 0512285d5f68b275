import { defineError } from '@sluice/core/errors';

/** The version could not be brought up: the command exited, the deploy system said no, the Deployment is missing. */
export const DeployFailed = defineError('DEPLOY_FAILED', 502, 'The deployment failed');
/** The version was started but did not pass its health check within the time allowed. */
export const DeployTimeout = defineError(
  'DEPLOY_TIMEOUT',
  504,
  'The deployment did not become ready in time',
);
/** The deploy system (webhook endpoint, Kubernetes API, state directory) cannot be reached at all. */
export const DeployProviderUnavailable = defineError(
  'DEPLOY_PROVIDER_UNAVAILABLE',
  503,
  'The deploy provider cannot be reached',
);
/** An operation id already used for a different side effect (another version, another action). */
export const DeployOperationConflict = defineError(
  'DEPLOY_OPERATION_CONFLICT',
  409,
  'The operation id was already used for a different deployment',
);
/** The provider cannot run this version (a `static` provider with no upstreams listed for it). */
export const DeployVersionUnknown = defineError(
  'DEPLOY_VERSION_UNKNOWN',
  422,
  'The deploy provider does not know this version',
);
