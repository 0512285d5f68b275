import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { operatorSecrets } from './operator-config.js';
import { trafficOptionsFor } from './traffic-options.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-operator-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('operator configuration (SLUICE_CONFIG)', () => {
  it('loads named providers, connections and secrets from YAML', () => {
    const path = file(
      'ok.yaml',
      [
        'secrets: {file: /etc/sluice/secrets.yaml}',
        'connections:',
        '  prod-cluster: {server: "https://10.0.0.1:6443", tokenFile: /var/run/token}',
        'trafficProviders:',
        '  edge:',
        '    provider: nginx',
        '    options: {binary: /usr/sbin/nginx, mainConfig: /etc/nginx/nginx.conf, configPath: /etc/nginx/sluice.conf}',
      ].join('\n'),
    );
    const { operator } = configFromEnv({ SLUICE_CONFIG: path });
    expect(operator.secrets).toEqual({ envPrefix: 'SLUICE_SECRET_', file: '/etc/sluice/secrets.yaml' });
    expect(operator.connections['prod-cluster']?.tokenFile).toBe('/var/run/token');
    expect(operator.trafficProviders.edge?.provider).toBe('nginx');
  });

  it('stops the start with every bad field named', () => {
    const path = file(
      'bad.yaml',
      'secrets: {envPrefix: ""}\ntrafficProviders:\n  edge: {provider: nginx, options: {binary: 7}}\n',
    );
    expect(() => configFromEnv({ SLUICE_CONFIG: path })).toThrowError(
      /secrets\.envPrefix.*trafficProviders\.edge\.options\.binary/s,
    );
    expect(() => configFromEnv({ SLUICE_CONFIG: join(dir, 'missing.yaml') })).toThrowError(/SLUICE_CONFIG/);
  });

  it('declares only prefixed variables and the secrets files as secrets', () => {
    const { operator } = configFromEnv({});
    const secrets = operatorSecrets(
      operator,
      { SLUICE_SECRET_HOOK: 'h', SLUICE_ADMIN_TOKEN: 'admin-token-000000', HOME: '/root' },
      file('data', '') && dir,
    );
    expect(secrets.resolve({ secretRef: 'SLUICE_SECRET_HOOK' })).toBe('h');
    for (const name of ['SLUICE_ADMIN_TOKEN', 'HOME'])
      expect(() => secrets.resolve({ secretRef: name })).toThrowError(/not declared/);
  });

  it('fills a Service’s traffic options from the named instance, the Service’s safe ones on top', () => {
    const { operator } = configFromEnv(
      {},
      {
        operator: {
          trafficProviders: {
            edge: {
              provider: 'nginx',
              options: { binary: '/usr/sbin/nginx', service: 'x' },
              environments: ['prod'],
            },
          },
        },
      },
    );
    const none = { resolve: () => '' };
    const choice = { provider: 'nginx', connection: 'edge', options: { service: 'api' } };
    expect(trafficOptionsFor(choice, operator, none, 'prod')).toMatchObject({
      binary: '/usr/sbin/nginx',
      service: 'api',
    });
    expect(() => trafficOptionsFor(choice, operator, none, 'staging')).toThrowError(/for prod, not staging/);
    expect(() => trafficOptionsFor({ ...choice, provider: 'haproxy' }, operator, none, 'prod')).toThrowError(
      /is nginx, not haproxy/,
    );
  });
});
