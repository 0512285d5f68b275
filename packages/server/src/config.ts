/** The control plane's settings, from flags and environment variables (see docs/architecture.md). */
import { z } from 'zod';
import { parseOrThrow } from './http/problem.js';
import {
  EMPTY_OPERATOR_CONFIG,
  loadOperatorConfig,
  operatorConfigSchema,
} from './operator/operator-config.js';

/** A boolean setting: true/false, or the strings an environment variable carries. */
const flagSetting = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

export const serverConfigSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(4200),
    host: z.string().min(1).default('127.0.0.1'),
    dataDir: z.string().min(1).default('./.sluice'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
      .optional(),
    pgSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .optional(),
    adminToken: z.string().min(16, 'SLUICE_ADMIN_TOKEN must be at least 16 characters').optional(),
    defaultEnvironment: z.string().default('development'),
    routerPort: z.coerce.number().int().min(0).max(65535).default(4280),
    /** Follows the router's port (the next one up) unless set, so a second instance moves both. */
    routerAdminPort: z.coerce.number().int().min(0).max(65535).optional(),
    /** Worker processes of the embedded router (1: it proxies in this process; more use more cores). */
    routerWorkers: z.coerce
      .number()
      .int('SLUICE_ROUTER_WORKERS must be a whole number from 1 to 64')
      .min(1, 'SLUICE_ROUTER_WORKERS must be a whole number from 1 to 64')
      .max(64, 'SLUICE_ROUTER_WORKERS must be a whole number from 1 to 64')
      .default(1),
    /** Run the embedded router in this process (off in most tests). */
    embeddedRouter: z.boolean().default(true),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `pretty` for people, `json` for machines; unset: pretty on a terminal, JSON otherwise. */
    logFormat: z.enum(['pretty', 'json']).optional(),
    /** The Prometheus MetricTemplates read when they name no address of their own. */
    prometheusUrl: z
      .url({ protocol: /^https?$/, error: 'SLUICE_PROMETHEUS_URL must be an http(s) URL' })
      .optional(),
    /** Log every OFREP, feature API, probe and router request, not just a summary of them. */
    logRequests: flagSetting.default(false),
    /** How often the notifications outbox is looked at when no event wakes it. */
    notifyIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** When set, `/metrics` answers only `Authorization: Bearer <this>` (SECURITY.md, Listeners). */
    metricsToken: z.string().min(16, 'SLUICE_METRICS_TOKEN must be at least 16 characters').optional(),
    /** Per-flag evaluation series on `/metrics` (they name every flag): off unless asked for. */
    metricsFlags: flagSetting.default(false),
    /** Per-client quotas (SECURITY.md, Quotas and retention): they protect the process, not the throughput. */
    quotas: z
      .object({
        /** OFREP change streams one token may hold (one SDK token serves many clients). */
        streamsPerToken: z.coerce.number().int().min(1).default(2_000),
        /** OFREP change streams in this process. */
        streams: z.coerce.number().int().min(1).default(20_000),
        /** In-process SDK sync streams one token may hold (`GET /api/v1/sdk/stream`). */
        sdkStreamsPerToken: z.coerce.number().int().min(1).default(5_000),
        /** Tracking events one token may send per second, as a token bucket of one second. */
        eventsPerSecond: z.coerce.number().int().min(1).default(100_000),
        /** Days events are kept; older ones are pruned hourly. */
        eventsRetentionDays: z.coerce.number().int().min(1).default(30),
        /** Router ids one `router` token may report heartbeats for. */
        routersPerToken: z.coerce.number().int().min(1).default(64),
        /** Heartbeats older than this are dropped. */
        routerStaleSeconds: z.coerce.number().int().min(10).default(600),
      })
      .strict()
      .prefault({}),
    /** The operator configuration (`SLUICE_CONFIG=path.yaml`): connections, providers, secrets. */
    operator: operatorConfigSchema.default(EMPTY_OPERATOR_CONFIG),
  })
  .strict()
  .transform((c) => ({ ...c, routerAdminPort: c.routerAdminPort ?? adminPortFor(c.routerPort) }));
export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** The router admin port beside a router port: the next one up (0, any free port, stays 0). */
function adminPortFor(routerPort: number): number {
  if (routerPort === 0) return 0;
  return routerPort === 65535 ? 65534 : routerPort + 1;
}

/** Reads SLUICE_* and DATABASE_URL; explicit overrides (CLI flags) win. Empty values count as unset. */
export function configFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<ServerConfigInput> = {},
): ServerConfig {
  const pick = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const raw: Record<string, unknown> = {
    port: pick('SLUICE_PORT'),
    host: pick('SLUICE_HOST'),
    dataDir: pick('SLUICE_DATA_DIR'),
    databaseUrl: pick('DATABASE_URL'),
    adminToken: pick('SLUICE_ADMIN_TOKEN'),
    defaultEnvironment: pick('SLUICE_DEFAULT_ENV'),
    routerPort: pick('SLUICE_ROUTER_PORT'),
    routerAdminPort: pick('SLUICE_ROUTER_ADMIN_PORT'),
    routerWorkers: pick('SLUICE_ROUTER_WORKERS'),
    logLevel: pick('SLUICE_LOG_LEVEL'),
    logFormat: pick('SLUICE_LOG_FORMAT'),
    logRequests: pick('SLUICE_LOG_REQUESTS'),
    notifyIntervalMs: pick('SLUICE_NOTIFY_INTERVAL_MS'),
    prometheusUrl: pick('SLUICE_PROMETHEUS_URL'),
    metricsToken: pick('SLUICE_METRICS_TOKEN'),
    metricsFlags: pick('SLUICE_METRICS_FLAGS'),
  };
  const quotas: Record<string, unknown> = {
    streamsPerToken: pick('SLUICE_QUOTA_STREAMS_PER_TOKEN'),
    streams: pick('SLUICE_QUOTA_STREAMS'),
    sdkStreamsPerToken: pick('SLUICE_QUOTA_SDK_STREAMS_PER_TOKEN'),
    eventsPerSecond: pick('SLUICE_QUOTA_EVENTS_PER_SECOND'),
    eventsRetentionDays: pick('SLUICE_EVENTS_RETENTION_DAYS'),
    routersPerToken: pick('SLUICE_QUOTA_ROUTERS_PER_TOKEN'),
    routerStaleSeconds: pick('SLUICE_ROUTER_STALE_SECONDS'),
  };
  for (const k of Object.keys(quotas)) if (quotas[k] === undefined) delete quotas[k];
  raw.quotas = quotas;
  const operatorFile = pick('SLUICE_CONFIG');
  if (operatorFile !== undefined) raw.operator = loadOperatorConfig(operatorFile);
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  return parseOrThrow(serverConfigSchema, raw, '', 'the configuration');
}
