/**
 * The operator configuration (`SLUICE_CONFIG=path.yaml`): everything that reaches the host or
 * another system — Kubernetes API connections and their credentials, traffic provider binaries,
 * config paths and sockets, which secrets exist. Only whoever starts the process writes it;
 * resources refer to its entries by name (SECURITY.md). Validated at start: a bad file stops
 * the server with every bad field named.
 */
import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAME } from '@sluice/core/auth';
import { ValidationFailed } from '@sluice/core/errors';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { declaredSecretEnv, SecretResolver, secretRefSchema } from '../secrets/secrets.js';
import { gatewayApiOptionsSchema } from '../traffic/gateway-api.js';
import { haproxyOptionsSchema } from '../traffic/haproxy.js';
import { kubeConnectionSchema } from '../traffic/kube-client.js';
import { nginxOptionsSchema } from '../traffic/nginx.js';

/** Names resources use to refer to an entry: `prod-cluster`, `edge`. */
export const operatorNameSchema = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'names are DNS labels: lower-case letters, digits, "-"');

/** Which environments may use an entry; absent: every environment. */
const environmentsSchema = z
  .array(z.string().regex(ENVIRONMENT_NAME, 'an environment name'))
  .min(1)
  .optional();

/** A Kubernetes API connection: the server, and a token from a declared secret or a file. */
export const operatorConnectionSchema = kubeConnectionSchema
  .omit({ token: true })
  .extend({ token: secretRefSchema.optional(), environments: environmentsSchema })
  .strict();
export type OperatorConnection = z.output<typeof operatorConnectionSchema>;

const gatewayOptions = gatewayApiOptionsSchema
  .extend({ connection: z.union([operatorNameSchema, kubeConnectionSchema]).optional() })
  .partial();

/** A traffic provider instance; a Service names it in `traffic.connection` and adds safe options. */
export const operatorTrafficSchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('nginx'),
    options: nginxOptionsSchema.partial(),
    environments: environmentsSchema,
  }),
  z.strictObject({
    provider: z.literal('haproxy'),
    options: haproxyOptionsSchema.partial(),
    environments: environmentsSchema,
  }),
  z.strictObject({
    provider: z.literal('gateway-api'),
    options: gatewayOptions,
    environments: environmentsSchema,
  }),
]);
export type OperatorTraffic = z.output<typeof operatorTrafficSchema>;

export const DEFAULT_SECRET_PREFIX = 'SLUICE_SECRET_';

export const operatorConfigSchema = z
  .strictObject({
    /** Which secrets a `secretRef` may name: variables with this prefix, and the entries of `file`. */
    secrets: z
      .strictObject({
        envPrefix: z
          .string()
          .regex(/^[A-Z][A-Z0-9_]{2,62}_$/, 'an upper-case prefix ending in "_", e.g. SLUICE_SECRET_')
          .default(DEFAULT_SECRET_PREFIX),
        /** A JSON or YAML map NAME → value, re-read on use so a rotated secret applies. */
        file: z.string().startsWith('/', 'an absolute path').optional(),
      })
      .default({ envPrefix: DEFAULT_SECRET_PREFIX }),
    connections: z.record(operatorNameSchema, operatorConnectionSchema).default({}),
    trafficProviders: z.record(operatorNameSchema, operatorTrafficSchema).default({}),
  })
  .meta({ id: 'OperatorConfig' });
export type OperatorConfig = z.output<typeof operatorConfigSchema>;
export type OperatorConfigInput = z.input<typeof operatorConfigSchema>;

export const EMPTY_OPERATOR_CONFIG: OperatorConfig = operatorConfigSchema.parse({});

/** Reads and validates the file `SLUICE_CONFIG` names; errors name the file and each bad field. */
export function loadOperatorConfig(path: string): OperatorConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    const message = `cannot read ${path}: ${(error as Error).message}`;
    throw ValidationFailed(`SLUICE_CONFIG: ${message}`, { fields: [{ path: 'SLUICE_CONFIG', message }] });
  }
  return parseOperatorConfig(raw, path);
}

export function parseOperatorConfig(raw: unknown, source = 'SLUICE_CONFIG'): OperatorConfig {
  const result = operatorConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  throw ValidationFailed(
    `the operator configuration ${source} is not valid: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    { fields },
  );
}

/** The entry a resource names, refused when it does not exist or is not for that environment. */
export function operatorEntry<T extends { environments?: string[] | undefined }>(
  entries: Record<string, T>,
  what: 'connection' | 'traffic provider',
  name: string,
  environment: string | undefined,
  field: string,
): T {
  const entry = Object.hasOwn(entries, name) ? entries[name] : undefined;
  if (!entry) {
    const known = Object.keys(entries).join(', ') || 'none';
    const message = `no ${what} "${name}" in the operator configuration (SLUICE_CONFIG); declared: ${known}`;
    throw ValidationFailed(message, { fields: [{ path: field, message }] });
  }
  if (entry.environments && environment !== undefined && !entry.environments.includes(environment)) {
    const message = `the operator's ${what} "${name}" is for ${entry.environments.join(', ')}, not ${environment}`;
    throw ValidationFailed(message, { fields: [{ path: field, message }] });
  }
  return entry;
}

/** The secrets a `secretRef` may name under this configuration (see `secrets/`). */
export function operatorSecrets(
  operator: OperatorConfig,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): SecretResolver {
  return new SecretResolver(
    declaredSecretEnv(env, operator.secrets.envPrefix),
    dataDir,
    operator.secrets.file,
  );
}
