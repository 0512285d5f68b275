/**
 * The shapes every deploy provider speaks: what is asked (deploy / retire requests) and what
 * is reported back (a Deployment). One zod schema per shape; the types are inferred from them.
 */
import { ValidationFailed } from '@sluice/core/errors';
import { healthCheckSchema, smokeTestSchema } from '@sluice/core/rollouts';
import { z } from 'zod';
import { parseInput, upstreamUrlSchema, versionNameSchema } from '../traffic/model.js';

export { healthCheckSchema, parseInput, smokeTestSchema, upstreamUrlSchema, versionNameSchema };

/** The seed's health check (`endpoint`, `retries`, `interval_seconds`, `timeout_seconds`), from the core. */
export type HealthCheck = z.output<typeof healthCheckSchema>;
/** The seed's smoke test (`endpoint`, `expected_status`, `method`, `timeout_seconds`), from the core. */
export type SmokeTest = z.output<typeof smokeTestSchema>;
export const DEFAULT_HEALTH_CHECK: HealthCheck = healthCheckSchema.parse({});

/**
 * `starting`: created, not (yet) passing its health check. `ready`: passes it. `unhealthy`:
 * running but failing it after having started. `failed`: dead or refused (crashed process,
 * deploy system said failed). `retired`: stopped on purpose.
 */
export const deploymentStateSchema = z.enum(['starting', 'ready', 'unhealthy', 'failed', 'retired']);
export type DeploymentState = z.infer<typeof deploymentStateSchema>;

/** An operation id: deterministic, from the orchestrator (`run/stage#attempt/step/kind`). */
export const opIdSchema = z.string().min(1).max(512);

const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');
export const envMapSchema = z.record(envNameSchema, z.string().max(8192));

export const deployRequestSchema = z.strictObject({
  opId: opIdSchema,
  version: versionNameSchema,
  /** The stage's `config.image` (`api:2.0.0`), passed on as is. */
  image: z.string().min(1).max(512).optional(),
  /** Extra environment for this version (process, webhook). */
  env: envMapSchema.optional(),
});
export type DeployRequest = z.input<typeof deployRequestSchema>;

export const retireRequestSchema = z.strictObject({ opId: opIdSchema, version: versionNameSchema });
export type RetireRequest = z.input<typeof retireRequestSchema>;

/** One version as the provider sees it now. */
export const deploymentSchema = z.object({
  version: versionNameSchema,
  /** The operation that created it (`null` when the provider cannot know: static, Kubernetes). */
  opId: opIdSchema.nullable(),
  state: deploymentStateSchema,
  /** Where the version answers: what the traffic provider gets as this version's backends. */
  upstreams: z.array(upstreamUrlSchema),
  /** Why it is in that state, for people (exit code, deploy system message). */
  detail: z.string().optional(),
  /** Provider-specific facts (pid, port, replicas, log file). */
  info: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const waitOptionsSchema = z.strictObject({
  /** Overall bound; default the provider's ready timeout. */
  timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
});
export type WaitOptions = z.input<typeof waitOptionsSchema>;

/**
 * The version an image reference carries: its tag (`api:2.0.0` → `2.0.0`,
 * `registry:5000/team/api:2.0.0` → `2.0.0`). No tag, or a digest only, is a validation error.
 */
export function versionFromImage(image: string, path = 'image'): string {
  const ref = image.split('@')[0] ?? '';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? '' : ref.slice(colon + 1);
  const parsed = versionNameSchema.safeParse(tag);
  if (!parsed.success) {
    const message =
      tag === '' ? `"${image}" has no tag to take the version from` : `tag "${tag}" is not a valid version`;
    throw ValidationFailed(`${path}: ${message}`, { fields: [{ path, message }] });
  }
  return parsed.data;
}

/** Replaces `{name}` placeholders; unknown placeholders are left as written. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
