import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouterSnapshotInput } from '../config/index.js';
import { runStandaloneRouter, type StandaloneRouter } from '../runtime/index.js';
import { FakeControlPlane } from '../test-support/control-plane.js';
import { request, startUpstream, type Upstream } from '../test-support/upstream.js';

let v1: Upstream;
let v2: Upstream;
let cp: FakeControlPlane;
let stateDir: string;
const TOKEN = 'router-token-123';

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

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

async function start(token = TOKEN): Promise<StandaloneRouter> {
  return runStandaloneRouter({
    controlPlaneUrl: cp.url,
    token,
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    stateDir,
    heartbeatIntervalMs: 50,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    log: () => {},
  });
}

function portOf(s: StandaloneRouter): number {
  return s.router.status().listen?.port ?? 0;
}

beforeAll(async () => {
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
  cp = new FakeControlPlane(TOKEN);
  await cp.start();
  stateDir = await mkdtemp(join(tmpdir(), 'sluice-standalone-'));
});

afterAll(async () => {
  await cp.stop();
  await v1.close();
  await v2.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('standalone router', () => {
  it('follows the stream, ignores older and invalid snapshots, and heartbeats its state', async () => {
    cp.publish(snapshot(2, { v1: 100, v2: 0 }));
    const s = await start();
    try {
      await vi.waitFor(() => expect(s.router.status().configVersion === 2).toBe(true), WAIT);
      expect((await request(portOf(s), '/')).headers['sluice-version']).toBe('v1');

      cp.publish(snapshot(3, { v1: 0, v2: 100 }));
      await vi.waitFor(() => expect(s.router.status().configVersion === 3).toBe(true), WAIT);
      cp.publish(snapshot(1, { v1: 100, v2: 0 }));
      cp.publish({ version: 9, routes: [{ name: 'api', versions: [], weights: {} }] });
      cp.publish('{not json');
      // Snapshots are handled in order: once the last one is refused, all three were seen.
      await vi.waitFor(
        () => expect(s.subscription.state.lastError === 'snapshot is not JSON').toBe(true),
        WAIT,
      );
      expect(s.router.status().configVersion).toBe(3);
      expect((await request(portOf(s), '/')).headers['sluice-version']).toBe('v2');
      cp.publish(snapshot(4, { v1: 0, v2: 100 }));
      await vi.waitFor(() => expect(s.router.status().configVersion === 4).toBe(true), WAIT);
      expect((await request(portOf(s), '/')).headers['sluice-version']).toBe('v2');

      await vi.waitFor(() => expect(cp.heartbeats.some((h) => h.body.configVersion === 4)).toBe(true), WAIT);
      const beat = cp.heartbeats.find((h) => h.body.configVersion === 4);
      expect(beat?.routerId).toBe(s.routerId);
      expect(beat?.authorization).toBe(`Bearer ${TOKEN}`);
      expect(beat?.body.adminUrl).toBe(`http://127.0.0.1:${s.router.status().admin?.port}`);
      expect(beat?.body.health).toMatchObject({ healthy: true, controlPlaneConnected: true });
      expect(s.router.status().controlPlane?.connected).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('keeps serving when the stream drops, reconnects and takes new snapshots', async () => {
    const s = await start();
    try {
      await vi.waitFor(
        () => expect(s.subscription.state.connects === 1 && s.router.status().configVersion === 4).toBe(true),
        WAIT,
      );
      cp.dropStreams();
      expect((await request(portOf(s), '/')).status).toBe(200);
      await vi.waitFor(() => expect(s.subscription.state.connects === 2).toBe(true), WAIT);
      cp.publish(snapshot(5, { v1: 100, v2: 0 }));
      await vi.waitFor(() => expect(s.router.status().configVersion === 5).toBe(true), WAIT);
    } finally {
      await s.close();
    }
  });

  it('serves its saved configuration when the control plane is down at start, then catches up', async () => {
    const port = cp.port;
    await cp.stop();
    const s = await start();
    try {
      expect(s.router.status()).toMatchObject({ configVersion: 5, source: 'disk' });
      expect((await request(portOf(s), '/')).headers['sluice-version']).toBe('v1');
      expect(s.router.status().controlPlane?.connected).toBe(false);
      // The control plane comes back on the same address with a newer configuration.
      cp.current = snapshot(6, { v1: 0, v2: 100 });
      await cp.start(port);
      await vi.waitFor(() => expect(s.router.status().configVersion === 6).toBe(true), WAIT);
      expect((await request(portOf(s), '/')).headers['sluice-version']).toBe('v2');
    } finally {
      await s.close();
    }
  });

  it('reports a health change in its heartbeat', async () => {
    const sick = await startUpstream('sick', (_req, res) => {
      res.writeHead(503);
      res.end();
      return true;
    });
    const s = await start();
    try {
      cp.publish({
        version: 7,
        routes: [
          {
            name: 'api',
            versions: [
              { name: 'v1', url: v1.url },
              { name: 'sick', url: sick.url },
            ],
            weights: { v1: 50, sick: 50 },
            healthCheck: { path: '/healthz', intervalMs: 100, unhealthyThreshold: 1 },
          },
        ],
      });
      const reported = () =>
        cp.heartbeats.find(
          (h) =>
            h.routerId === s.routerId &&
            h.body.health.healthy === false &&
            (h.body.health.recentEvents as { version: string; healthy: boolean }[]).some(
              (e) => e.version === 'sick' && !e.healthy,
            ),
        );
      await vi.waitFor(() => expect(reported() !== undefined).toBe(true), WAIT);
      expect(reported()?.body.configVersion).toBe(7);
      // Meanwhile everything goes to the healthy version.
      const replies = await Promise.all(Array.from({ length: 10 }, () => request(portOf(s), '/')));
      expect(new Set(replies.map((r) => r.headers['sluice-version']))).toEqual(new Set(['v1']));
    } finally {
      await s.close();
      await sick.close();
    }
  });

  it('applies nothing from a control plane that refuses its token, and keeps retrying', async () => {
    const refusedBefore = cp.refusedRequests;
    const s = await start('wrong-token');
    try {
      await vi.waitFor(() => expect(cp.refusedRequests >= refusedBefore + 3).toBe(true), WAIT);
      expect(s.router.status().configVersion).toBe(7);
      expect(s.subscription.state.lastError).toContain('401');
    } finally {
      await s.close();
    }
  });
});
