import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouter } from '../runtime/index.js';
import type { Router } from '../runtime/types.js';
import { refusedPort, request, startUpstream, type Upstream } from '../test-support/upstream.js';
import type { HealthEvent } from './checker.js';
import { probe } from './checker.js';

let stable: Upstream;
let canary: Upstream;
let canaryHealthy = true;
let router: Router;
let port: number;
const events: HealthEvent[] = [];

/** How long a condition may take to come true (Vitest's own retry loop). */
const WAIT = { timeout: 10_000, interval: 10 };

beforeAll(async () => {
  stable = await startUpstream('stable');
  canary = await startUpstream('canary', (req, res) => {
    if (req.url !== '/healthz') return false;
    res.writeHead(canaryHealthy ? 200 : 503);
    res.end();
    return true;
  });
  router = await createRouter({ listen: { port: 0 }, onHealthChange: (e) => events.push(e) });
  port = router.status().listen?.port ?? 0;
  await router.applyConfig({
    version: 1,
    routes: [
      {
        name: 'api',
        versions: [
          { name: 'stable', url: stable.url },
          { name: 'canary', url: canary.url },
        ],
        weights: { stable: 80, canary: 20 },
        healthCheck: {
          path: '/healthz',
          intervalMs: 100,
          timeoutMs: 500,
          unhealthyThreshold: 2,
          healthyThreshold: 2,
        },
      },
    ],
  });
});

afterAll(async () => {
  await router.close();
  await stable.close();
  await canary.close();
});

describe('active health checks', () => {
  it('sheds an unhealthy version’s weight to the others, reports it, and restores it', async () => {
    canaryHealthy = false;
    await vi.waitFor(() => expect(events.some((e) => e.version === 'canary' && !e.healthy)).toBe(true), WAIT);
    expect(events[0]).toMatchObject({
      route: 'api',
      version: 'canary',
      healthy: false,
      reason: 'status 503',
    });
    const status = router.status();
    expect(status.routes[0]?.versions.map((v) => [v.name, v.weight, v.effectiveWeight, v.healthy])).toEqual([
      ['stable', 80, 100, true],
      ['canary', 20, 0, false],
    ]);
    expect(status.recentHealthEvents).toHaveLength(1);
    const replies = await Promise.all(Array.from({ length: 20 }, () => request(port, '/')));
    expect(new Set(replies.map((r) => r.headers['sluice-version']))).toEqual(new Set(['stable']));

    canaryHealthy = true;
    await vi.waitFor(() => expect(events.some((e) => e.version === 'canary' && e.healthy)).toBe(true), WAIT);
    expect(router.status().routes[0]?.versions.map((v) => v.effectiveWeight)).toEqual([80, 20]);
    const later = await Promise.all(Array.from({ length: 100 }, () => request(port, '/')));
    expect(later.filter((r) => r.headers['sluice-version'] === 'canary')).toHaveLength(20);
  });
});

describe('health across configuration changes', () => {
  it('keeps an unhealthy version out when a new snapshot keeps its check unchanged', async () => {
    canaryHealthy = false;
    const downEvents = () => events.filter((e) => e.version === 'canary' && !e.healthy).length;
    const before = downEvents();
    await vi.waitFor(() => expect(downEvents() > before).toBe(true), WAIT);
    await router.applyConfig({
      version: 2,
      routes: [
        {
          name: 'api',
          versions: [
            { name: 'stable', url: stable.url },
            { name: 'canary', url: canary.url },
          ],
          weights: { stable: 70, canary: 30 },
          healthCheck: {
            path: '/healthz',
            intervalMs: 100,
            timeoutMs: 500,
            unhealthyThreshold: 2,
            healthyThreshold: 2,
          },
        },
      ],
    });
    // The new table starts with the known state: no window where the failing canary gets 30%.
    expect(router.status().routes[0]?.versions.map((v) => [v.name, v.effectiveWeight, v.healthy])).toEqual([
      ['stable', 100, true],
      ['canary', 0, false],
    ]);
    canaryHealthy = true;
    await vi.waitFor(
      () => expect(router.status().routes[0]?.versions[1]?.effectiveWeight === 30).toBe(true),
      WAIT,
    );
  });
});

describe('probe', () => {
  const check = {
    path: '/healthz',
    intervalMs: 1_000,
    timeoutMs: 200,
    healthyThreshold: 1,
    unhealthyThreshold: 1,
    expectedStatus: { min: 200, max: 399 },
  };

  it('passes on an expected status and names the failure otherwise', async () => {
    expect(await probe(`${stable.url}/healthz`, check)).toBeNull();
    expect(await probe(`http://127.0.0.1:${await refusedPort()}/healthz`, check)).toBe('ECONNREFUSED');
  });

  it('gives up on a hanging upstream after its timeout', async () => {
    const hanging = await startUpstream('hang', () => true);
    try {
      expect(await probe(`${hanging.url}/healthz`, check)).toBe('no answer in 200 ms');
    } finally {
      await hanging.close();
    }
  });
});
