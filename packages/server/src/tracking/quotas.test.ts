/**
 * Per-token quotas and retention (issue 13): a `router` token cannot grow the heartbeat table
 * without bound (M2), an SDK token cannot fill the disk with events (M4), and a metric query's
 * window is bounded (L7). The limits here are set low; the defaults sit far above the benchmarks.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createEventStore } from './event-store.js';
import { EventRetention } from './retention.js';

let clock = Date.parse('2026-03-01T00:00:00Z');
const beat = (health: Record<string, unknown> = {}) => ({ adminUrl: null, configVersion: 0, health });

describe('per-token quotas', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      now: () => new Date(clock),
      config: { quotas: { routersPerToken: 3, routerStaleSeconds: 60, eventsPerSecond: 100 } },
    });
  });
  afterAll(async () => t?.close());

  it('bounds heartbeats per router token, by size, and drops stale ones (M2)', async () => {
    const router = await t.token(['router'], 'edge');
    const other = await t.token(['router'], 'edge-b');
    const send = (id: string, token: string, body = beat()) =>
      t.request('POST', `/api/v1/routers/${id}/heartbeat`, { body, token });
    for (const id of ['r1', 'r2', 'r3']) expect((await send(id, router)).status).toBe(200);
    // the same ids again are fine; a fourth is not
    expect((await send('r1', router)).status).toBe(200);
    const fourth = await send('r4', router);
    expect(fourth.status).toBe(429);
    expect(fourth.body.code).toBe('QUOTA_EXCEEDED');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    // another token has its own quota
    expect((await send('b1', other)).status).toBe(200);
    // ~2 MB of health is refused, naming the field
    const big = await send('r1', router, beat({ blob: 'x'.repeat(2_000_000) }));
    expect(big.status).toBeGreaterThanOrEqual(400);
    expect(big.status).toBeLessThan(500);
    const fat = await send('r1', router, beat({ blob: 'x'.repeat(70_000) }));
    expect(fat.status).toBe(400);
    expect(fat.body.errors[0].path).toBe('body.health');
    expect((await t.request('GET', '/api/v1/routers')).body.standalone).toHaveLength(4);
    // a minute later they are stale: dropped, and the quota is free again
    clock += 61_000;
    expect((await t.request('GET', '/api/v1/routers')).body.standalone).toHaveLength(0);
    expect((await send('r4', router)).status).toBe(200);
  });

  it('limits the events one token sends per second and stores nothing of a refused batch (M4)', async () => {
    const sdk = await t.token(['sdk:development'], 'app');
    const neighbour = await t.token(['sdk:development'], 'other-app');
    const batch = (n: number) => ({
      events: Array.from({ length: n }, () => ({
        id: randomUUID(),
        user: 'u',
        version: 'v1',
        name: 'page_view',
        time: new Date(clock - 1000).toISOString(),
      })),
    });
    expect((await t.request('POST', '/api/v1/events', { body: batch(80), token: sdk })).status).toBe(200);
    const over = await t.request('POST', '/api/v1/events', { body: batch(40), token: sdk });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('QUOTA_EXCEEDED');
    expect(over.headers['retry-after']).toBe('1');
    expect((await t.request('POST', '/api/v1/events', { body: batch(40), token: neighbour })).status).toBe(
      200,
    );
    clock += 1000;
    expect((await t.request('POST', '/api/v1/events', { body: batch(40), token: sdk })).status).toBe(200);
    const counts = await createEventStore(t.server.database.db).countByName(
      'development',
      'v1',
      new Date(clock - 3_600_000),
      new Date(clock),
    );
    expect(counts.page_view).toBe(160);
  });

  it('prunes events past their retention', async () => {
    const store = createEventStore(t.server.database.db);
    const retention = new EventRetention(store, 1, () => new Date(clock + 2 * 86_400_000));
    expect(await retention.prune()).toBe(160);
    expect(await retention.prune()).toBe(0);
  });

  it('bounds the window of a metric query (L7)', async () => {
    const res = await t.request(
      'GET',
      '/api/v1/metrics/query?metric=error_rate&version=v1&window=999999999999',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('query.window');
  });
});
