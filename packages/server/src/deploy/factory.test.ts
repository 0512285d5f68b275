import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretResolver } from '../secrets/index.js';
import { createDeployProvider } from './factory.js';

describe('createDeployProvider', () => {
  it('builds the provider the deploy block names', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-factory-'));
    const deps = {
      service: 'api-service',
      environment: 'production',
      dataDir,
      secrets: new SecretResolver({}, dataDir),
    };
    try {
      expect(
        createDeployProvider({ provider: 'process', command: 'node app.mjs --port {port}' }, deps).name,
      ).toBe('process');
      expect(
        createDeployProvider({ provider: 'static', upstreams: { v1: ['http://127.0.0.1:1'] } }, deps).name,
      ).toBe('static');
      const webhook = {
        provider: 'webhook',
        url: { secretRef: 'U' },
        signingSecret: { secretRef: 'S' },
        statusUrl: 'https://cd.example.com/{service}/{version}',
        listUrl: 'https://cd.example.com/{service}',
      } as const;
      expect(createDeployProvider(webhook, deps).name).toBe('webhook');
      const kube = createDeployProvider(
        { provider: 'kubernetes', namespace: 'prod', connection: { server: 'https://127.0.0.1:6443' } },
        deps,
      );
      expect(kube.name).toBe('kubernetes');
      await kube.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown provider or a bad field, naming the path', () => {
    const deps = { service: 's', dataDir: tmpdir(), secrets: new SecretResolver({}, tmpdir()) };
    expect(() => createDeployProvider({ provider: 'ftp' } as never, deps)).toThrowError(/deploy\.provider/);
    expect(() =>
      createDeployProvider({ provider: 'process', command: 'node "unterminated' }, deps),
    ).toThrowError(/deploy\.command: an empty command or an unterminated quote/);
  });
});
