/**
 * A Service's traffic options as the provider gets them: the operator's instance named in
 * `traffic.connection` (binaries, paths, sockets), then the Service's own safe options, and a
 * named Kubernetes connection (gateway-api) turned into its server and token.
 */
import { ValidationFailed } from '@sluice/core/errors';
import type { SecretResolver } from '../secrets/secrets.js';
import type { KubeConnection } from '../traffic/kube-client.js';
import { type OperatorConfig, operatorEntry } from './operator-config.js';

export interface TrafficChoice {
  provider: string;
  connection?: string | undefined;
  options?: Record<string, unknown> | undefined;
}

export function trafficOptionsFor(
  traffic: TrafficChoice,
  operator: OperatorConfig,
  secrets: Pick<SecretResolver, 'resolve'>,
  environment: string,
): Record<string, unknown> {
  let options: Record<string, unknown> = { ...(traffic.options ?? {}) };
  if (traffic.connection !== undefined) {
    const entry = operatorEntry(
      operator.trafficProviders,
      'traffic provider',
      traffic.connection,
      environment,
      'traffic.connection',
    );
    if (entry.provider !== traffic.provider) {
      const message = `the operator's traffic provider "${traffic.connection}" is ${entry.provider}, not ${traffic.provider}`;
      throw ValidationFailed(message, { fields: [{ path: 'traffic.connection', message }] });
    }
    options = { ...entry.options, ...options };
  }
  if (typeof options.connection === 'string')
    options.connection = kubeConnectionFor(operator, secrets, options.connection, environment);
  return options;
}

/** An operator connection as the Kubernetes client takes it (the token read from its secret). */
export function kubeConnectionFor(
  operator: OperatorConfig,
  secrets: Pick<SecretResolver, 'resolve'>,
  name: string,
  environment: string,
): KubeConnection {
  const c = operatorEntry(
    operator.connections,
    'connection',
    name,
    environment,
    'traffic.options.connection',
  );
  return {
    server: c.server,
    timeoutMs: c.timeoutMs,
    ...(c.token ? { token: secrets.resolve(c.token) } : {}),
    ...(c.tokenFile ? { tokenFile: c.tokenFile } : {}),
    ...(c.ca ? { ca: c.ca } : {}),
    ...(c.caFile ? { caFile: c.caFile } : {}),
  };
}
