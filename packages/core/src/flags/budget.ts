/**
 * The cost budget of flag rules. JsonLogic can build work that grows faster than the rule
 * (`reduce` whose step `merge`s the accumulator with itself doubles an array per element), so
 * every rule is bounded when it is written and when it runs. The numbers are documented in
 * README.md ("Cost budget"); writes that exceed them are refused in every mode.
 */
import type { Runtime } from './logic-runtime.js';
import { LogicError } from './logic-semantics.js';

/** Operations in one flag's targeting, counted after `$ref` and segments are inlined. */
export const MAX_FLAG_OPERATIONS = 10_000;
/** Operations in all the targeting of one flag set, counted the same way. */
export const MAX_SET_OPERATIONS = 200_000;
/** Items in one literal array of a rule (an `in` list, a `fractional` bucket list). */
export const MAX_ARRAY_ITEMS = 100_000;
/**
 * Work units one evaluation of one flag may spend: one per element an iterator visits
 * (`map`, `filter`, `all`, `some`, `none`, `reduce`), per item `merge` produces or `in` searches,
 * per character `cat` or `substr` produces, per key `missing` looks up, per item of a list an
 * operation takes from the context. Constant sub-rules run once when written, on the same budget.
 */
export const MAX_EVALUATION_COST = 100_000;

/** Thrown when a rule spends more than its budget; evaluation reports GENERAL. */
export class CostExceeded extends LogicError {
  constructor() {
    super(`the rule exceeds its cost budget of ${MAX_EVALUATION_COST.toLocaleString('en')} work units`);
    this.name = 'CostExceeded';
  }
}

const EXCEEDED = new CostExceeded();

/** Charges `units` of work to this evaluation; throws once the budget is spent. */
export function spend(rt: Runtime, units: number): void {
  rt.budget -= units;
  if (rt.budget < 0) throw EXCEEDED;
}

/** The length of a list or string a rule is about to walk (0 for anything else). */
export function sizeOf(value: unknown): number {
  return Array.isArray(value) || typeof value === 'string' ? value.length : 0;
}
