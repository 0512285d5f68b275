/** Helpers every provider uses to build its readings. */
import type { Measurement } from '@sluice/core/analysis';

/** A measurement with no usable value, and the reason. */
export function inconclusive(metric: string, reason: string, sampleCount = 0): Measurement {
  return { metric, value: null, error: reason, sampleCount };
}

/** Rounds to 6 significant decimals so figures from sums of floats read cleanly. */
export function tidy(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
