/**
 * The latency bins every window slot uses (the shared log scale of `@sluice/core/histogram`):
 * from 100 µs, growing 10 % per bin, 150 bins, so a percentile read from them is within ±5 % of
 * the true value up to about two minutes.
 */
import { LogScale } from '@sluice/core/histogram';

export const LATENCY_SCALE = new LogScale(0.0001, 1.1, 150);
