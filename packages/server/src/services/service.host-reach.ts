/**
 * The fields of a Service that reach the host or another system, for `authority/write-needs.ts`:
 * changing one needs `admin`; environment-scoped tokens refer to operator configuration by name
 * (`traffic.connection`, a `deploy.connection` given as a name) instead. SECURITY.md lists them.
 */
import type { HostReach } from '../authority/write-needs.js';
import type { ServiceSpec } from './service.schema.js';

/**
 * Traffic provider options any writer may set; every other option (binaries, config paths,
 * sockets, listen addresses, API connections) is operator configuration.
 */
export const SAFE_TRAFFIC_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  nginx: ['service', 'reloadTimeoutMs'],
  haproxy: ['backend', 'timeoutMs'],
  'gateway-api': ['namespace', 'route', 'pathPrefix', 'apiVersion', 'conflictRetries'],
};

export function serviceHostReach(spec: ServiceSpec): HostReach[] {
  const out: HostReach[] = [];
  const deploy = spec.deploy;
  if (deploy.provider === 'process')
    out.push({
      path: 'deploy',
      value: deploy,
      why: 'the process provider runs commands on the control plane host',
    });
  if (deploy.provider === 'kubernetes' && typeof deploy.connection === 'object')
    out.push({
      path: 'deploy.connection',
      value: deploy.connection,
      why: 'an API server and its credentials are operator configuration; name a connection from SLUICE_CONFIG',
    });
  if (deploy.provider === 'webhook')
    for (const field of ['url', 'statusUrl', 'listUrl'] as const)
      out.push({
        path: `deploy.${field}`,
        value: deploy[field],
        why: 'webhook URLs are operator configuration',
      });
  const safe = SAFE_TRAFFIC_OPTIONS[spec.traffic.provider] ?? [];
  for (const [key, value] of Object.entries(spec.traffic.options ?? {}))
    if (!safe.includes(key))
      out.push({
        path: `traffic.options.${key}`,
        value,
        why: `${spec.traffic.provider} option "${key}" reaches the host; name a traffic provider from SLUICE_CONFIG in traffic.connection`,
      });
  return out;
}
