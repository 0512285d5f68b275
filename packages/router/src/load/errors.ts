import { defineError } from '@sluice/core/errors';

/** The load generator only ever sends to this machine; anything else is refused before a request. */
export const LoadTargetRefused = defineError(
  'LOAD_TARGET_NOT_LOOPBACK',
  400,
  'The load generator only targets loopback addresses',
);
