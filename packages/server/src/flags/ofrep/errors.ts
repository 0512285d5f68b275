/**
 * OFREP's own errors. They leave the server in OFREP's shapes (`{key, errorCode, errorDetails}`
 * for evaluations, `{errorDetails}` otherwise), not as problem+json: OFREP providers parse them.
 */
import { defineError } from '@sluice/core';

export const OfrepUnauthorized = defineError(
  'OFREP_UNAUTHORIZED',
  401,
  'An OFREP request needs a valid bearer token',
);
export const OfrepForbidden = defineError(
  'OFREP_FORBIDDEN',
  403,
  'The token may not evaluate flags in this environment',
);
export const OfrepBadRequest = defineError('OFREP_BAD_REQUEST', 400, 'The OFREP request is not valid');
