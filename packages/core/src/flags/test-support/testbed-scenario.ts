/** One flagd-testbed evaluator scenario, and the shorthand the scenario tables are written in. */
import type { FlagValueType, JsonValue } from '../types.js';

export interface Scenario {
  feature: string;
  key: string;
  type: FlagValueType;
  fallback: JsonValue;
  context: Record<string, unknown>;
  value?: JsonValue;
  reason?: string;
  errorCode?: string;
  metadata?: Record<string, unknown>;
}

export const s = (
  feature: string,
  key: string,
  type: FlagValueType,
  fallback: JsonValue,
  context: Record<string, unknown>,
  expect: Partial<Pick<Scenario, 'value' | 'reason' | 'errorCode' | 'metadata'>>,
): Scenario => ({ feature, key, type, fallback, context, ...expect });
