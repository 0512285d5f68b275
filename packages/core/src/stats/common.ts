/**
 * Shapes and helpers shared by every test: arms, the confidence level, intervals, the input
 * parser that turns zod issues into field errors, and the `reason` that explains nulls.
 */
import { z } from 'zod';
import { ValidationFailed } from '../errors/index.js';
import { issuesToFields } from '../rollouts/plan/parse.js';

/** A whole count of users or events, 0 or more. */
export const count = z.int('must be a whole number').nonnegative('must be 0 or more');

/** Two-sided confidence level of every interval; 0.95 when not given. */
export const confidence = z
  .number()
  .gt(0, 'must be above 0')
  .lt(1, 'must be below 1')
  .optional()
  .describe('Two-sided confidence level of the intervals, in (0, 1); default 0.95');

export const DEFAULT_CONFIDENCE = 0.95;

/**
 * A measured value (mean, variance, covariance, weight): 0, or between 1e-100 and 1e100 in size.
 * Real metrics sit far inside; the bound keeps every intermediate (squares, ratios) finite, so
 * no input can make a result overflow to ±Infinity or NaN.
 */
export const real = z.number().refine((x) => x === 0 || (Math.abs(x) >= 1e-100 && Math.abs(x) <= 1e100), {
  message: 'must be 0 or between 1e-100 and 1e100 in size',
  abort: true,
});
export const nonNegativeReal = real.refine((x) => x >= 0, 'must be 0 or more');
export const positiveReal = real.refine((x) => x > 0, 'must be above 0');

/** One arm of a conversion metric: users exposed and users who converted. */
export const proportionArm = z
  .strictObject({ users: count, conversions: count })
  .refine((a) => a.conversions <= a.users, {
    path: ['conversions'],
    message: 'must not exceed users',
  });
export type ProportionArm = z.infer<typeof proportionArm>;

/** One arm of a continuous metric: sample size, sample mean and sample variance (n − 1). */
export const meanArm = z.strictObject({
  n: z.int().min(2, 'must be at least 2 (a sample variance needs two values)'),
  mean: real,
  variance: nonNegativeReal.describe('sample variance (divided by n − 1)'),
});
export type MeanArm = z.infer<typeof meanArm>;

/** `[low, high]`; null when undefined (see `reason`). */
export const interval = z.tuple([z.number(), z.number()]);
export const nullableNumber = z.number().nullable();
/** Present when some field is null: says which and why. */
export const reason = z.string().optional();

/**
 * Validates `input` against `schema`; throws VALIDATION_FAILED (400) listing every bad field as
 * `{path, message}`, as the rollout plan parser does.
 */
export function parseInput<S extends z.ZodType>(test: string, schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = issuesToFields(schema, input, r.error.issues);
  const first = fields[0];
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  throw ValidationFailed(`${test}: ${first?.path}: ${first?.message}${more}`, { fields });
}

/** Collects why fields are null; `done()` gives `{reason}` or nothing. */
export class Reasons {
  private readonly list: string[] = [];
  add(text: string): null {
    if (!this.list.includes(text)) this.list.push(text);
    return null;
  }
  done(): { reason?: string } {
    return this.list.length > 0 ? { reason: this.list.join('; ') } : {};
  }
}

/** A bad field found after parsing (a check that needs computed values). */
export function invalid(test: string, path: string, message: string): never {
  throw ValidationFailed(`${test}: ${path}: ${message}`, { fields: [{ path, message }] });
}
