import type { FlagDefinition } from '@sluice/core/flags';

/** A flag's spec as the server stores it (the API types it as unknown: its schema is core's). */
export type FlagSpec = FlagDefinition;

export function variantText(value: unknown): string {
  return JSON.stringify(value);
}
