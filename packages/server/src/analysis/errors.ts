import { defineError } from '@sluice/core/errors';

/** A metrics query named a metric no provider answers. */
export const MetricUnknown = defineError('METRIC_UNKNOWN', 400, 'Unknown metric');
