/**
 * The feature API's errors; they leave the server in that API's own shape, `{"error": "..."}`.
 * The codes keep their first names (`SEED_API_…`): published codes never change.
 */
import { defineError } from '@sluice/core';

export const FeatureApiUnauthorized = defineError(
  'SEED_API_UNAUTHORIZED',
  401,
  'A token is needed to evaluate flags in this environment',
);
export const FeatureApiForbidden = defineError(
  'SEED_API_FORBIDDEN',
  403,
  'The token may not use the feature API in this environment',
);
