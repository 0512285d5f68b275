import { defineError } from '@sluice/core/errors';

/** A router configuration snapshot that fails validation; `fields` names each bad JSON path. */
export const RouterConfigInvalid = defineError(
  'ROUTER_CONFIG_INVALID',
  400,
  'The router configuration is not valid',
);
