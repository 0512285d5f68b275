/** `POST /api/v1/events` on both databases: storage, replays, validation, scopes, limits. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import type { EventInput } from './event.schema.js';
import { createEventStore } from './event-store.js';

const event = (over: Partial<EventInput> = {}): EventInput => ({
  id: randomUUID(),
  user: 'u1',
  version: 'v1',
  name: 'page_view',
  time: new Date(Date.now() - 1000).toISOString(),
  ...over,
});

describe.each(DIALECTS)('events endpoint on %s', (dialect) => {
  let t: TestServer;
  const count = async (environment = 'development', version = 'v1') =>
    createEventStore(t.server.database.db).countByName(
      environment,
      version,
      new Date(Date.now() - 3_600_000),
      new Date(Date.now() + 3_600_000),
    );

  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => t?.close());

  it('stores a batch, and a replayed batch changes nothing', async () => {
    const batch = [
      event({ version: 'r1' }),
      event({ version: 'r1', name: 'bounce' }),
      event({ version: 'r1' }),
    ];
    const first = await t.request('POST', '/api/v1/events', { body: { events: batch } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ environment: 'development', received: 3, stored: 3, duplicates: 0 });
    const again = await t.request('POST', '/api/v1/events', { body: { events: batch } });
    expect(again.body).toEqual({ environment: 'development', received: 3, stored: 0, duplicates: 3 });
    expect(await count('development', 'r1')).toEqual({ page_view: 2, bounce: 1 });
  });

  it('keeps one of two events with the same id in one batch', async () => {
    const e = event({ version: 'r2' });
    const res = await t.request('POST', '/api/v1/events', {
      body: { events: [e, { ...e, name: 'bounce' }] },
    });
    expect(res.body).toMatchObject({ received: 2, stored: 1, duplicates: 1 });
    expect(await count('development', 'r2')).toEqual({ page_view: 1 });
  });

  it('keeps the good events of a batch and answers each bad one by its path', async () => {
    const res = await t.request('POST', '/api/v1/events', {
      body: { events: [event({ version: 'r3' }), { ...event({ version: 'r3' }), time: 'yesterday' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 2, stored: 1, duplicates: 0, rejected: 1 });
    expect(res.body.errors.map((f: { path: string }) => f.path)).toEqual(['body.events[1].time']);
    // a batch with no good event is refused whole, each bad event named
    const extra = await t.request('POST', '/api/v1/events', {
      body: { events: [{ ...event({ version: 'r3' }), color: 'red' }] },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.code).toBe('VALIDATION_FAILED');
    expect(extra.body.errors.map((f: { path: string }) => f.path)).toEqual(['body.events[0].color']);
    expect(await count('development', 'r3')).toEqual({ page_view: 1 });
  });

  it('refuses events dated beyond the clock skew allowance, one by one', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const res = await t.request('POST', '/api/v1/events', {
      body: { events: [event({ version: 'r4' }), event({ version: 'r4', time: future })] },
    });
    expect(res.body.errors).toEqual([
      { path: 'body.events[1].time', message: expect.stringMatching(/ahead/) },
    ]);
    expect(await count('development', 'r4')).toEqual({ page_view: 1 });
  });

  it('lets write and sdk:<env> tokens send, not read tokens or another environment’s sdk token', async () => {
    const send = async (scopes: string[], environment = 'development') =>
      (
        await t.request('POST', `/api/v1/events?environment=${environment}`, {
          token: await t.token(scopes),
          body: { events: [event({ version: 'r5' })] },
        })
      ).status;
    expect(await send(['sdk:development'])).toBe(200);
    expect(await send(['write:development'])).toBe(200);
    expect(await send(['write'], 'production')).toBe(200);
    expect(await send(['read'])).toBe(403);
    expect(await send(['sdk:production'])).toBe(403);
    expect(await send(['write:production'])).toBe(403);
    expect(await send(['router'])).toBe(403);
    expect(await count('development', 'r5')).toEqual({ page_view: 2 });
    expect(await count('production', 'r5')).toEqual({ page_view: 1 });
  });

  it('refuses an unknown environment and stores nothing', async () => {
    const res = await t.request('POST', '/api/v1/events?environment=nowhere', {
      body: { events: [event({ version: 'r6' })] },
    });
    expect(res.status).toBe(404);
    expect(await count('nowhere', 'r6')).toEqual({});
  });

  it('limits a batch to 10,000 events and the body to the server limit', async () => {
    const many = Array.from({ length: 10_001 }, () => event({ version: 'r7' }));
    const tooMany = await t.request('POST', '/api/v1/events', { body: { events: many } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].path).toBe('body.events');
    const padded = { events: [event({ version: 'r7' })], pad: 'x'.repeat(3 * 1024 * 1024) };
    const tooBig = await t.request('POST', '/api/v1/events', { body: padded });
    expect(tooBig.status).toBe(413);
    expect(await count('development', 'r7')).toEqual({});
  });

  it('counts by event time within the window, per version', async () => {
    const at = (ms: number) => new Date(ms).toISOString();
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    await t.request('POST', '/api/v1/events', {
      body: {
        events: [
          event({ version: 'r8', time: at(base) }),
          event({ version: 'r8', time: at(base + 1000) }),
          event({ version: 'r8', time: '2026-01-01T01:00:02.000+01:00' }), // = base + 2000
          event({ version: 'other', time: at(base + 1000) }),
        ],
      },
    });
    const store = createEventStore(t.server.database.db);
    expect(await store.countByName('development', 'r8', new Date(base), new Date(base + 2000))).toEqual({
      page_view: 2,
    });
    expect(await store.countByName('development', 'r8', new Date(base - 1), new Date(base + 1000))).toEqual({
      page_view: 2,
    });
  });
});
