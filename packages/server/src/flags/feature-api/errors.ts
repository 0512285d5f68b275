/** The seed API's errors; they leave the server in the seed's shape, `{"error": "..."}`. */
import { defineError } from '@sluice/core';

export const SeedApiUnauthorized = defineError(
  'SEED_API_UNAUTHORIZED',
  401,
  'A token is needed to evaluate flags in this environment',
);
export const SeedApiForbidden = defineError(
  'SEED_API_FORBIDDEN',
  403,
  'The token may not use the seed flag API in this environment',
);
