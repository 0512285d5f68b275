/** The built dashboard at `/`: files, caching, the page fallback, and the API never shadowed. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';

describe('dashboard files', () => {
  let dir: string;
  let server: SluiceServer;
  const get = (url: string) => server.app.fastify.inject({ method: 'GET', url });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-static-'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>Sluice</title>');
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
    server = await createServer(
      configFromEnv(
        {},
        { dataDir: join(dir, 'data'), port: 0, embeddedRouter: false, adminToken: 'static-test-admin-token' },
      ),
      { dashboardDir: join(dir, 'dist') },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / and at any page path, never cached', async () => {
    for (const url of ['/', '/rollouts/run-1', '/flags/new-checkout?x=1']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>Sluice</title>');
    }
  });

  it('caches hashed assets for a year, and a missing file is a 404, not the page', async () => {
    const asset = await get('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const missing = await get('/assets/index-gone.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  it('never answers an API, OFREP, metrics or health path with the page', async () => {
    for (const url of ['/api/v1/nope', '/api', '/ofrep/v1/nothing', '/metrics/x', '/healthz/x']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/application\/problem\+json/);
    }
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/metrics')).headers['content-type']).toMatch(/text\/plain/);
    expect((await get('/api/v1/openapi.json')).json().openapi).toBe('3.1.0');
  });

  it('says how to build it when it is not built', async () => {
    const bare = await createServer(
      configFromEnv(
        {},
        {
          dataDir: join(dir, 'data2'),
          port: 0,
          embeddedRouter: false,
          adminToken: 'static-test-admin-token',
        },
      ),
      { dashboardDir: join(dir, 'nowhere') },
    );
    try {
      const res = await bare.app.fastify.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/npm run build -w packages\/dashboard/);
      expect((await bare.app.fastify.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
