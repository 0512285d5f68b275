import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterConfigInvalid, type RouterSnapshotInput } from '../config/index.js';
import { SNAPSHOT_FILE } from '../state/index.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';
import { createRouter } from './router.js';

let v1: Upstream;
let v2: Upstream;
let stateDir: string;

function snapshot(version: number, weights: Record<string, number>): RouterSnapshotInput {
  return {
    version,
    routes: [
      {
        name: 'api',
        versions: [
          { name: 'v1', url: v1.url },
          { name: 'v2', url: v2.url },
        ],
        weights,
      },
    ],
  };
}

beforeAll(async () => {
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
  stateDir = await mkdtemp(join(tmpdir(), 'sluice-router-'));
});

afterAll(async () => {
  await v1.close();
  await v2.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('applies valid snapshots, ignores older ones and refuses invalid ones whole', async () => {
    const router = await createRouter({ listen: { port: 0 }, stateDir });
    const port = router.status().listen?.port ?? 0;
    try {
      expect(router.status().source).toBe('none');
      expect(await router.applyConfig(snapshot(5, { v1: 100, v2: 0 }))).toEqual({
        applied: true,
        version: 5,
      });
      expect((await request(port, '/')).headers['sluice-version']).toBe('v1');

      expect(await router.applyConfig(snapshot(4, { v1: 0, v2: 100 }))).toEqual({
        applied: false,
        version: 5,
        reason: 'stale',
      });
      expect((await request(port, '/')).headers['sluice-version']).toBe('v1');

      // Half valid: the first route is fine, the second is not. Nothing of it is applied.
      const bad = snapshot(6, { v1: 0, v2: 100 });
      bad.routes.push({
        name: 'admin',
        pathPrefix: '/admin',
        versions: [{ name: 'x', url: 'nope' }],
        weights: { x: 100 },
      });
      const refused = await router.applyConfig(bad).catch((e: unknown) => e);
      expect(RouterConfigInvalid.is(refused)).toBe(true);
      expect(RouterConfigInvalid.is(refused) && refused.fields.map((f) => f.path)).toEqual([
        'routes[1].versions[0].url',
      ]);
      expect(router.status().configVersion).toBe(5);
      expect((await request(port, '/')).headers['sluice-version']).toBe('v1');

      expect((await router.applyConfig(snapshot(7, { v1: 0, v2: 100 }))).applied).toBe(true);
      expect((await request(port, '/')).headers['sluice-version']).toBe('v2');
    } finally {
      await router.close();
    }
  });

  it('persists the applied snapshot and serves it again after a restart', async () => {
    const saved = JSON.parse(await readFile(join(stateDir, SNAPSHOT_FILE), 'utf8'));
    expect(saved.version).toBe(7);
    const router = await createRouter({ listen: { port: 0 }, stateDir });
    try {
      expect(router.status()).toMatchObject({ configVersion: 7, source: 'disk' });
      const r = await request(router.status().listen?.port ?? 0, '/');
      expect(r.headers['sluice-version']).toBe('v2');
      // The same version again is not re-applied.
      expect((await router.applyConfig(snapshot(7, { v1: 100, v2: 0 }))).applied).toBe(false);
    } finally {
      await router.close();
    }
  });

  it('applies a lower version from a new control-plane epoch', async () => {
    const router = await createRouter({ listen: { port: 0 } });
    try {
      await router.applyConfig({ ...snapshot(40, { v1: 100, v2: 0 }), epoch: 'db-1' });
      expect((await router.applyConfig({ ...snapshot(3, { v1: 0, v2: 100 }), epoch: 'db-1' })).applied).toBe(
        false,
      );
      expect(await router.applyConfig({ ...snapshot(1, { v1: 0, v2: 100 }), epoch: 'db-2' })).toEqual({
        applied: true,
        version: 1,
      });
      expect((await request(router.status().listen?.port ?? 0, '/')).headers['sluice-version']).toBe('v2');
    } finally {
      await router.close();
    }
  });

  it('starts empty (and keeps running) when the saved snapshot is unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-router-bad-'));
    await writeFile(join(dir, SNAPSHOT_FILE), '{"version": 3, "routes": [');
    const logged: string[] = [];
    const router = await createRouter({
      listen: { port: 0 },
      stateDir: dir,
      log: (_l, msg) => logged.push(msg),
    });
    try {
      expect(router.status()).toMatchObject({ configVersion: 0, source: 'none' });
      expect(logged).toContain('saved configuration unreadable; starting empty');
      expect((await request(router.status().listen?.port ?? 0, '/')).status).toBe(404);
    } finally {
      await router.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('figures of a version that left the configuration', () => {
  it('are dropped once its window has emptied, with no further configuration', async () => {
    const router = await createRouter({ listen: { port: 0 }, metricsRetentionMs: 1_000 });
    try {
      const port = router.status().listen?.port ?? 0;
      await router.applyConfig(snapshot(1, { v1: 0, v2: 100 }));
      for (let i = 0; i < 5; i++) expect((await request(port, `/item/${i}`)).status).toBe(200);
      expect(await router.prometheus()).toContain('version="v2"');
      await router.applyConfig({
        version: 2,
        routes: [{ name: 'api', versions: [{ name: 'v1', url: v1.url }], weights: { v1: 100 } }],
      });
      // v2's window still held its requests when it left; nothing else is applied after
      let remaining = true;
      for (let i = 0; i < 150 && remaining; i++) {
        await new Promise((r) => setTimeout(r, 100));
        remaining = (await router.prometheus()).includes('version="v2"');
      }
      expect(remaining).toBe(false);
    } finally {
      await router.close();
    }
  });
});

describe('admin port', () => {
  it('serves /healthz, /status, /metrics and /versions apart from proxied paths', async () => {
    const router = await createRouter({ listen: { port: 0 }, adminListen: { port: 0 } });
    try {
      await router.applyConfig(snapshot(1, { v1: 100, v2: 0 }));
      const port = router.status().listen?.port ?? 0;
      const admin = router.status().admin?.port ?? 0;
      // On the proxy port /metrics is an ordinary path of the upstream.
      const proxied = await request(port, '/metrics');
      expect(proxied.headers['sluice-version']).toBe('v1');
      expect(JSON.parse(proxied.body).path).toBe('/metrics');

      expect(JSON.parse((await request(admin, '/healthz')).body)).toEqual({ status: 'ok' });
      const status = JSON.parse((await request(admin, '/status')).body);
      expect(
        status.routes[0].versions.map((v: { name: string; weight: number }) => [v.name, v.weight]),
      ).toEqual([
        ['v1', 100],
        ['v2', 0],
      ]);
      const metrics = await request(admin, '/metrics');
      expect(metrics.headers['content-type']).toContain('text/plain; version=0.0.4');
      expect(metrics.body).toContain('sluice_router_requests_total{route="api",version="v1"} 1');
      expect(metrics.body).toContain('sluice_router_weight_percent{route="api",version="v2"} 0');
      expect(metrics.body).toContain('sluice_router_config_version 1');

      const versions = JSON.parse((await request(admin, '/versions?windowMs=30000')).body);
      expect(versions.windowMs).toBe(30_000);
      expect(versions.versions[0]).toMatchObject({
        route: 'api',
        version: 'v1',
        weight: 100,
        healthy: true,
        window: { requests: 1, errors: 0, errorRate: 0 },
        totals: { requests: 1, errors: 0 },
      });
      const badWindow = await request(admin, '/versions?windowMs=abc');
      expect(badWindow.status).toBe(400);
      expect(JSON.parse(badWindow.body).fields[0].path).toBe('query.windowMs');
      expect((await request(admin, '/nothing')).status).toBe(404);
    } finally {
      await router.close();
    }
  });
});
