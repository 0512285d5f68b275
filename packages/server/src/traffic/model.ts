import { ValidationFailed } from '@sluice/core/errors';
import { z } from 'zod';

/** A version name as every data plane can carry it (HAProxy server names, NGINX, k8s labels). */
export const versionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a version is 1-63 letters, digits, ".", "_" or "-"');

/** An upstream: `http(s)://host:port` of one instance of a version (for gateway-api, a Service). */
export const upstreamUrlSchema = z.url({ protocol: /^https?$/ });

/** version → its upstream URLs. */
export const backendsSchema = z.record(versionNameSchema, z.array(upstreamUrlSchema).min(1).max(64));

/** version → percent of traffic, integers; as read back (all zero before any split is set). */
export const weightMapSchema = z.record(versionNameSchema, z.number().int().min(0).max(100));

/** A split to apply: integer percents that sum to exactly 100. */
export const weightsSchema = weightMapSchema.refine(
  (w) => Object.values(w).reduce((a, b) => a + b, 0) === 100,
  { message: 'weights must sum to 100' },
);

/** Pins matching requests to a version before weights apply (testers, canary-by-header). */
export const matchRuleSchema = z
  .object({
    source: z.enum(['header', 'cookie', 'query']),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a name is 1-64 letters, digits, "_" or "-"'),
    /** Exact value to match. */
    value: z.string().min(1).max(256),
    version: versionNameSchema,
  })
  .strict();

export const matchRulesSchema = z.array(matchRuleSchema).max(32);

/** A copy of `percent`% of requests goes to `version`; its answers are discarded. */
export const mirrorSchema = z
  .object({ version: versionNameSchema, percent: z.number().int().min(1).max(100) })
  .strict();

/** What a data plane is doing, as read back from it. */
export const appliedTrafficSchema = z.object({
  backends: backendsSchema,
  weights: weightMapSchema,
  matchRules: matchRulesSchema,
  mirror: mirrorSchema.nullable(),
});

export type Backends = z.infer<typeof backendsSchema>;
export type Weights = z.infer<typeof weightMapSchema>;
export type MatchRule = z.infer<typeof matchRuleSchema>;
export type Mirror = z.infer<typeof mirrorSchema>;
export type AppliedTraffic = z.infer<typeof appliedTrafficSchema>;

export const EMPTY_TRAFFIC: AppliedTraffic = Object.freeze({
  backends: {},
  weights: {},
  matchRules: [],
  mirror: null,
});

function pathOf(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** Parses outside input with a schema; failures are VALIDATION_FAILED naming `root.path` of each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ path: pathOf(root, i.path), message: i.message }));
  throw ValidationFailed(fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
}
