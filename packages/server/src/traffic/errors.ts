import { defineError } from '@sluice/core/errors';

/** The data plane (socket, process, API server) cannot be reached at all. */
export const TrafficProviderUnavailable = defineError(
  'TRAFFIC_PROVIDER_UNAVAILABLE',
  503,
  'The traffic provider cannot be reached',
);
/** The data plane answered but refused the change (bad config, unknown object, forbidden). */
export const TrafficProviderRejected = defineError(
  'TRAFFIC_PROVIDER_REJECTED',
  502,
  'The data plane refused the traffic change',
);
/** The change was sent but the data plane did not show it applied within the time allowed. */
export const TrafficApplyTimeout = defineError(
  'TRAFFIC_APPLY_TIMEOUT',
  504,
  'The data plane did not confirm the traffic change in time',
);
/** The provider cannot do what was asked (e.g. mirroring on HAProxy). */
export const TrafficCapabilityMissing = defineError(
  'TRAFFIC_CAPABILITY_MISSING',
  422,
  'The traffic provider lacks a required capability',
);
/** The change is well-formed but conflicts with what is applied (e.g. removing a weighted version). */
export const TrafficChangeConflict = defineError(
  'TRAFFIC_CHANGE_CONFLICT',
  409,
  'The traffic change conflicts with the applied state',
);
