/**
 * The builtin provider against the real embedded router of a real control plane: the shared
 * contract suite, plus the Route it writes being versioned and audited.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { createBuiltinProvider } from './builtin.js';
import { describeTrafficProviderContract } from './provider.case.js';
import { probe, startUpstreams, type Upstreams } from './test-support/upstreams.js';

let upstreams: Upstreams;
beforeAll(async () => {
  upstreams = await startUpstreams(['blue', 'green', 'blue2']);
});
afterAll(async () => {
  await upstreams.close();
});

async function controlPlane(): Promise<SluiceServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-builtin-'));
  return createServer(
    configFromEnv(
      {},
      {
        dataDir,
        adminToken: 'builtin-admin-token-000000',
        port: 0,
        routerPort: 0,
        routerAdminPort: 0,
        embeddedRouter: true,
      },
    ),
  );
}

/** The provider of a development Service: it acts with `write:development`, as a run there does. */
const DEVELOPMENT = {
  environment: 'development',
  actor: { subject: 'traffic:builtin', scopes: ['write:development'] },
};

function providerFor(server: SluiceServer, route = 'contract') {
  return createBuiltinProvider({
    route,
    ...DEVELOPMENT,
    resources: server.resources,
    registry: server.resources.registry,
    routerConfig: server.routerConfig,
    router: server.router,
  });
}

describeTrafficProviderContract('builtin', async () => {
  const server = await controlPlane();
  const port = server.router?.status().listen?.port;
  return {
    provider: providerFor(server),
    upstreams: { blue: upstreams.urls.blue!, green: upstreams.urls.green!, blue2: upstreams.urls.blue2! },
    probe: (n, headers) => probe(`http://127.0.0.1:${port}/`, n, headers),
    singleUpstreamPerVersion: true,
    close: () => server.close(),
  };
});

describe('builtin provider', () => {
  it('writes each change to the Route resource, versioned and audited', async () => {
    const server = await controlPlane();
    try {
      const p = providerFor(server, 'shop');
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      await p.setWeights({ blue: 80, green: 20 });
      await p.setWeights({ blue: 0, green: 100 });
      const route = await server.resources.get(server.resources.registry.get('Route'), null, 'shop');
      expect(route.metadata.version).toBe(2);
      expect(route.metadata.updatedBy).toBe('traffic:builtin');
      // the Route belongs to the Service's environment
      expect((route.spec as { environment?: string }).environment).toBe('development');
      expect((route.spec as { weights: Record<string, number> }).weights).toEqual({ blue: 0, green: 100 });
      expect((await p.read()).weights).toEqual({ blue: 0, green: 100 });
    } finally {
      await server.close();
    }
  });

  it('H2: neither reads nor writes a Route another environment owns, and writes with its own scope', async () => {
    const server = await controlPlane();
    try {
      const development = providerFor(server, 'theirs');
      await development.setBackends({ blue: [upstreams.urls.blue!] });
      await development.setWeights({ blue: 100 });
      const Route = server.resources.registry.get('Route');
      const before = await server.resources.get(Route, null, 'theirs');
      // a staging Service naming development's Route
      const staging = createBuiltinProvider({
        route: 'theirs',
        environment: 'staging',
        actor: { subject: 'traffic:builtin', scopes: ['write:staging'] },
        resources: server.resources,
        registry: server.resources.registry,
        routerConfig: server.routerConfig,
        router: server.router,
      });
      await expect(staging.read()).rejects.toMatchObject({ code: 'ROUTE_NOT_OWNED' });
      await expect(staging.setWeights({ blue: 100 })).rejects.toMatchObject({ code: 'ROUTE_NOT_OWNED' });
      expect((await server.resources.get(Route, null, 'theirs')).metadata.version).toBe(
        before.metadata.version,
      );
      // the provider's authority is checked like any write: without development's scope, no write
      const unscoped = createBuiltinProvider({
        route: 'fresh',
        ...DEVELOPMENT,
        actor: { subject: 'traffic:builtin', scopes: ['write:staging'] },
        resources: server.resources,
        registry: server.resources.registry,
        routerConfig: server.routerConfig,
        router: server.router,
      });
      await unscoped.setBackends({ blue: [upstreams.urls.blue!] });
      await expect(unscoped.setWeights({ blue: 100 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await server.resources.find(Route, null, 'fresh')).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('keeps a user on the version they first got when the Service asks for sticky sessions', async () => {
    const server = await controlPlane();
    try {
      const p = createBuiltinProvider({
        route: 'sticky',
        ...DEVELOPMENT,
        sticky: { maxAgeSeconds: 600 },
        resources: server.resources,
        registry: server.resources.registry,
        routerConfig: server.routerConfig,
        router: server.router,
      });
      await p.setBackends({ blue: [upstreams.urls.blue!], green: [upstreams.urls.green!] });
      await p.setWeights({ blue: 50, green: 50 });
      const route = await server.resources.get(server.resources.registry.get('Route'), null, 'sticky');
      expect((route.spec as { sticky?: unknown }).sticky).toMatchObject({ maxAgeSeconds: 600 });
      // the first answer sets the cookie; every later request with it lands on the same version
      const port = server.router?.status().listen?.port;
      const first = await fetch(`http://127.0.0.1:${port}/`);
      const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
      expect(cookie).toMatch(/^sluice_sticky=/);
      const got = first.headers.get('x-upstream');
      const later = await probe(`http://127.0.0.1:${port}/`, 20, { cookie });
      expect(later).toEqual({ [got as string]: 20 });
    } finally {
      await server.close();
    }
  });
});
