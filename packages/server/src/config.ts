/** The control plane's settings, from flags and environment variables (see docs/architecture.md). */
import { z } from 'zod';
import { parseOrThrow } from './http/problem.js';

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
    /** Run the embedded router in this process (off in most tests). */
    embeddedRouter: z.boolean().default(true),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `pretty` for people, `json` for machines; unset: pretty on a terminal, JSON otherwise. */
    logFormat: z.enum(['pretty', 'json']).optional(),
    /** Log every OFREP, feature API, probe and router request, not just a summary of them. */
    logRequests: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
      .default(false),
    /** How often the notifications outbox is looked at when no event wakes it. */
    notifyIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1000),
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
    logLevel: pick('SLUICE_LOG_LEVEL'),
    logFormat: pick('SLUICE_LOG_FORMAT'),
    logRequests: pick('SLUICE_LOG_REQUESTS'),
    notifyIntervalMs: pick('SLUICE_NOTIFY_INTERVAL_MS'),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k] = v;
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  return parseOrThrow(serverConfigSchema, raw, '', 'the configuration');
}
