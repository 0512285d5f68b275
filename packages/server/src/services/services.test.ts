import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSluiceError } from '@sluice/core/errors';
import { describe, expect, it } from 'vitest';
import { createDeployProvider } from '../deploy/factory.js';
import { versionFromImage } from '../deploy/model.js';
import { runSmokeTests } from '../deploy/smoke.js';
import { createKindRegistry } from '../kinds.js';
import { loadManifests } from '../manifests/load.js';
import { normalizeDocuments } from '../resources/documents.js';
import { SecretResolver } from '../secrets/index.js';
import { type ServiceSpec, type ServiceSpecInput, serviceSpecSchema } from './service.schema.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const registry = createKindRegistry({ defaultEnvironment: () => 'development' });

function apply(documents: unknown[]) {
  return normalizeDocuments(registry, documents, { defaultEnvironment: 'development' });
}

/** The JSON paths a refused document set names. */
function refusedPaths(documents: unknown[]): string[] {
  try {
    apply(documents);
  } catch (e) {
    if (isSluiceError(e)) return e.fields.map((f) => f.path);
    throw e;
  }
  throw new Error('expected the documents to be refused');
}

const service = (spec: Record<string, unknown>) => ({
  kind: 'Service',
  metadata: { name: 'api-service' },
  spec,
});
const processDeploy = { provider: 'process', command: 'node app.mjs --port {port}' };

describe('Service kind', () => {
  it('applies the example Services the seed plan names, with defaults filled in', () => {
    const { documents } = loadManifests([join(ROOT, 'examples/services')]);
    const resources = apply(documents);
    expect(resources.map((r) => [r.kind.kind, r.environment, r.name]).sort()).toEqual([
      ['Service', 'production', 'api-service'],
      ['Service', 'production', 'web-frontend'],
    ]);
    const web = resources.find((r) => r.name === 'web-frontend')?.spec as ServiceSpec;
    expect(web.healthCheck).toEqual({
      endpoint: '/health',
      retries: 5,
      interval_seconds: 2,
      timeout_seconds: 5,
    });
    expect(web.smokeTests[0]).toEqual({
      endpoint: '/',
      expected_status: 200,
      method: 'GET',
      timeout_seconds: 5,
    });
    expect(web.deploy).toMatchObject({ provider: 'process', host: '127.0.0.1', env: {} });
  });

  it('takes the defaults for traffic, health check and smoke tests', () => {
    const spec = serviceSpecSchema.parse({ deploy: processDeploy });
    expect(spec.traffic).toEqual({ provider: 'builtin', route: { pathPrefix: '/' } });
    expect(spec.healthCheck.endpoint).toBe('/health');
    expect(spec.smokeTests).toEqual([]);
  });

  it('accepts every deploy provider', () => {
    const specs: ServiceSpecInput['deploy'][] = [
      processDeploy as ServiceSpecInput['deploy'],
      { provider: 'static', upstreams: { '1.0.0': ['http://10.0.0.5:8080'] } },
      {
        provider: 'webhook',
        url: { secretRef: 'DEPLOY_URL' },
        signingSecret: { secretRef: 'DEPLOY_SECRET' },
        statusUrl: 'https://cd.example.com/{service}/{version}',
        listUrl: 'https://cd.example.com/{service}',
      },
      { provider: 'kubernetes', namespace: 'shop', replicas: 3 },
    ];
    for (const deploy of specs) expect(serviceSpecSchema.safeParse({ deploy }).success).toBe(true);
  });

  it('refuses bad specs, naming each field', () => {
    expect(refusedPaths([service({ deploy: { provider: 'ftp' } })])).toContain(
      'documents[0].spec.deploy.provider',
    );
    expect(refusedPaths([service({ deploy: { provider: 'process', command: '"unterminated' } })])).toContain(
      'documents[0].spec.deploy.command',
    );
    expect(
      refusedPaths([
        service({ deploy: processDeploy, traffic: { provider: 'haproxy', options: { backend: 'app' } } }),
      ]),
    ).toContain('documents[0].spec.traffic.options.socket');
    expect(
      refusedPaths([service({ deploy: processDeploy, traffic: { provider: 'builtin', options: { a: 1 } } })]),
    ).toContain('documents[0].spec.traffic.options');
    expect(
      refusedPaths([
        service({
          deploy: { provider: 'static', upstreams: { '1.0.0': ['http://h:1'] } },
          stableVersion: '2.0.0',
        }),
      ]),
    ).toContain('documents[0].spec.stableVersion');
    expect(
      refusedPaths([service({ deploy: processDeploy, smokeTests: [{ endpoint: 'health' }] })]),
    ).toContain('documents[0].spec.smokeTests[0].endpoint');
    expect(
      refusedPaths([{ kind: 'Service', metadata: { name: 'Api_Service' }, spec: { deploy: processDeploy } }]),
    ).toContain('documents[0].metadata.name');
  });

  it('runs its versions from its spec: deploy, health, smoke tests, retire (the demo app)', async () => {
    const { documents } = loadManifests([join(ROOT, 'examples/services/api-service.yaml')]);
    const [api] = apply(documents);
    const spec = api?.spec as ServiceSpec;
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-service-'));
    const provider = createDeployProvider(spec.deploy, {
      service: 'api-service',
      environment: 'production',
      dataDir,
      cwd: ROOT,
      secrets: new SecretResolver({}, dataDir),
      healthCheck: { ...spec.healthCheck, interval_seconds: 0.05 },
    });
    try {
      const version = versionFromImage('api:2.0.0');
      await provider.deploy({ opId: 'run-1/deploy_backend#1/deploy', version, image: 'api:2.0.0' });
      const ready = await provider.waitReady(version, { timeoutMs: 20_000 });
      const report = await runSmokeTests(ready.upstreams[0] as string, spec.smokeTests);
      expect(report.results.map((r) => [r.endpoint, r.status])).toEqual([
        ['/health', 200],
        ['/api/v2/status', 200],
      ]);
      expect(report.passed).toBe(true);
      const status = await fetch(`${ready.upstreams[0]}/api/v2/status`).then((r) => r.json());
      expect(status).toMatchObject({ version: '2.0.0' });
    } finally {
      await provider.retire({ opId: 'run-1/deploy_backend#1/retire', version: '2.0.0' });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
