/** The events provider over a real store (SQLite): the contract suite, then its arithmetic. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrate, openDatabase } from '../../storage/index.js';
import { createEventStore, type EventStore } from '../../tracking/event-store.js';
import { EventsMetricProvider } from './events.provider.js';
import { metricProviderContract } from './provider.case.js';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');
let serial = 0;

async function openStore(): Promise<{ handle: DatabaseHandle; store: EventStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-events-'));
  const handle = openDatabase({ dataDir: dir });
  await migrate(handle);
  return { handle, store: createEventStore(handle.db), dir };
}

/** `views` page views of `version`, the first `bounces` bounced, the next `conversions` converted. */
async function feed(store: EventStore, version: string, views: number, bounces: number, conversions: number) {
  const events = [];
  const at = (i: number) => new Date(NOW - 1_000 - i).toISOString();
  for (let i = 0; i < views; i++) {
    const user = `u${i}`;
    events.push({ id: `e${serial++}`, user, version, name: 'page_view', time: at(i) });
    if (i < bounces) events.push({ id: `e${serial++}`, user, version, name: 'bounce', time: at(i) });
    else if (i < bounces + conversions)
      events.push({ id: `e${serial++}`, user, version, name: 'conversion', time: at(i) });
  }
  await store.insert('production', events, new Date(NOW), 'test');
}

metricProviderContract('events', async () => {
  const { handle, store, dir } = await openStore();
  const provider = new EventsMetricProvider({ store, defaultEnvironment: () => 'production' });
  let closed = false;
  return {
    provider,
    query: (metric) => ({
      metric,
      version: 'v2',
      baselineVersion: 'v1',
      windowMs: 60_000,
      now: new Date(NOW),
    }),
    async feedTooFew() {
      await feed(store, 'v2', provider.minPageViews - 1, 2, 2);
      await feed(store, 'v1', provider.minPageViews - 1, 2, 2);
    },
    async feedEnough() {
      await feed(store, 'v2', 120, 30, 12); // bounce 25 %, conversion 10 %
      await feed(store, 'v1', 120, 12, 24); // conversion 20 %
      return { bounce_rate: 25, conversion_rate_drop: 50 };
    },
    async breakBackend() {
      closed = true;
      await handle.close();
    },
    async close() {
      if (!closed) await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('events provider', () => {
  let opened: Awaited<ReturnType<typeof openStore>>;
  let provider: EventsMetricProvider;
  const q = (metric: string, over: Record<string, unknown> = {}) => ({
    metric,
    version: 'v2',
    baselineVersion: 'v1',
    windowMs: 60_000,
    now: new Date(NOW),
    ...over,
  });
  beforeAll(async () => {
    opened = await openStore();
    provider = new EventsMetricProvider({
      store: opened.store,
      defaultEnvironment: () => 'production',
      minPageViews: 10,
    });
    await feed(opened.store, 'v1', 50, 10, 10); // conversion 20 %
    await feed(opened.store, 'v2', 50, 30, 15); // bounce 60 %, conversion 30 %: better
    await feed(opened.store, 'v0', 50, 5, 0); // never converts
  });
  afterAll(async () => {
    await opened.handle.close();
    rmSync(opened.dir, { recursive: true, force: true });
  });

  it('gives a negative drop when the version converts better than the baseline', async () => {
    expect(await provider.measure(q('conversion_rate_drop'))).toEqual({
      metric: 'conversion_rate_drop',
      value: -50,
      sampleCount: 50,
    });
    expect(await provider.measure(q('bounce_rate'))).toEqual({
      metric: 'bounce_rate',
      value: 60,
      sampleCount: 50,
    });
  });

  it('needs a baseline with conversions for a relative drop', async () => {
    const none = await provider.measure(q('conversion_rate_drop', { baselineVersion: undefined }));
    expect(none).toMatchObject({ value: null, error: expect.stringMatching(/baseline/) });
    const zero = await provider.measure(q('conversion_rate_drop', { baselineVersion: 'v0' }));
    expect(zero).toMatchObject({
      value: null,
      sampleCount: 50,
      error: expect.stringMatching(/no conversions/),
    });
  });

  it('is inconclusive when the baseline has too few page views, counting the weaker side', async () => {
    const m = await provider.measure(q('conversion_rate_drop', { baselineVersion: 'v9' }));
    expect(m).toMatchObject({ value: null, sampleCount: 0, error: expect.stringMatching(/baseline v9/) });
  });

  it('reads only its window and its environment', async () => {
    const later = await provider.measure(q('bounce_rate', { now: new Date(NOW + 120_000) }));
    expect(later).toMatchObject({ value: null, sampleCount: 0 });
    const elsewhere = await provider.measure(q('bounce_rate', { environment: 'development' }));
    expect(elsewhere).toMatchObject({ value: null, sampleCount: 0 });
  });
});
