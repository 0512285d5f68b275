/**
 * CUPED end to end on both databases, through `POST /api/v1/events` and the results API: users'
 * events before their exposure (plain events, no experiment) become the covariate, read in SQL
 * when the exposure is counted; the results carry the adjusted comparison beside the plain one,
 * equal to `cuped` over the same users' raw values.
 */
import { armFor, type ExperimentSpec, ExperimentSpecSchema } from '@sluice/core/experiments';
import { cuped, cupedMoments } from '@sluice/core/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../core/src/stats/test-support/random.js';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-04-01T00:00:00.000Z');
const KEY = 'cuped-checkout';
const USERS = 300;
const spec = {
  status: 'active',
  traffic_split: { control: 50, treatment: 50 },
  metrics: {
    primary: 'pages',
    secondary: ['revenue', 'buyers', 'order_value'],
    definitions: {
      pages: { kind: 'count', event: 'page_view' },
      revenue: { kind: 'sum', event: 'purchase' },
      buyers: { kind: 'conversion', event: 'purchase' },
      order_value: { kind: 'mean', event: 'purchase' },
    },
  },
  duration_days: 7,
  min_sample_size: 50,
  cuped: { pre_period_days: 14 },
};

interface Sent {
  id: string;
  user: string;
  name: string;
  time: string;
  value?: number;
  experiment?: string;
  version?: string;
}

/** Each user: pre-period and after-exposure events that follow one activity level. */
function simulate() {
  const r = rng(15);
  const parsed: ExperimentSpec = ExperimentSpecSchema.parse(spec);
  const before: Sent[] = [];
  const after: Sent[] = [];
  const truth = new Map<string, { arm: string; x: Record<string, number>; y: Record<string, number> }>();
  for (let i = 0; i < USERS; i++) {
    const user = `cu-${i}`;
    const arm = armFor(KEY, parsed, user);
    const exposedAt = T0 + 20 * DAY + (i % 24) * 3_600_000;
    const activity = 1 + Math.floor(r.next() * 6);
    const at = (offset: number) => new Date(exposedAt + offset).toISOString();
    const x = { pages: 0, revenue: 0, buyers: 0 };
    const y = { pages: 0, revenue: 0, buyers: 0 };
    let n = 0;
    const id = () => `${user}-${n++}`;
    // before: plain events (no experiment) inside the 14 days, and one outside that must not count
    const views = activity + Math.floor(r.next() * 3);
    for (let k = 0; k < views; k++)
      before.push({ id: id(), user, name: 'page_view', version: '1.0.0', time: at(-(k + 1) * 3_600_000) });
    x.pages = views;
    // (for half the users, so counting it would change the covariate, not shift it)
    if (r.next() < 0.5)
      before.push({ id: id(), user, name: 'page_view', version: '1.0.0', time: at(-15 * DAY) });
    if (r.next() < activity / 8) {
      const value = 10 + Math.round(r.next() * 400) / 10;
      before.push({ id: id(), user, name: 'purchase', version: '1.0.0', time: at(-2 * DAY), value });
      x.revenue = value;
      x.buyers = 1;
    }
    // the exposure, then its experiment's events
    after.push({ id: id(), user, name: 'exposure', experiment: KEY, time: at(0) });
    const lift = arm === 'treatment' ? 1 : 0;
    const views2 = activity + lift + Math.floor(r.next() * 3);
    for (let k = 0; k < views2; k++)
      after.push({ id: id(), user, name: 'page_view', experiment: KEY, time: at((k + 1) * 60_000) });
    y.pages = views2;
    if (r.next() < (activity + lift) / 8) {
      const value = 10 + Math.round(r.next() * 400) / 10;
      after.push({ id: id(), user, name: 'purchase', experiment: KEY, time: at(DAY), value });
      y.revenue = value;
      y.buyers = 1;
    }
    truth.set(user, { arm, x, y });
  }
  return { before, after, truth };
}

/** `cuped` over the raw per-user values of one metric. */
function expected(truth: ReturnType<typeof simulate>['truth'], metric: 'pages' | 'revenue' | 'buyers') {
  const arm = (name: string) => {
    const s = { n: 0, sumX: 0, sumXX: 0, sumY: 0, sumYY: 0, sumXY: 0 };
    for (const u of truth.values()) {
      if (u.arm !== name) continue;
      const [x, y] = [u.x[metric] as number, u.y[metric] as number];
      s.n++;
      s.sumX += x;
      s.sumXX += x * x;
      s.sumY += y;
      s.sumYY += y * y;
      s.sumXY += x * y;
    }
    return cupedMoments(s)!;
  };
  return cuped({ control: arm('control'), treatment: arm('treatment') });
}

describe.each(DIALECTS)('CUPED on %s', (dialect) => {
  let t: TestServer;
  const clock = T0 + 40 * DAY;
  beforeAll(async () => {
    t = await startTestServer(dialect, { now: () => new Date(clock) });
  });
  afterAll(async () => t?.close());

  it('reports the adjusted lift from the pre-period beside the plain one', async () => {
    expect((await t.request('PUT', `/api/v1/experiments/${KEY}`, { body: { spec } })).status).toBe(201);
    const { before, after, truth } = simulate();
    for (const events of [before, after]) {
      for (let i = 0; i < events.length; i += 1000) {
        const r = await t.request('POST', '/api/v1/events', { body: { events: events.slice(i, i + 1000) } });
        expect(r.status).toBe(200);
        expect(r.body.rejected).toBeUndefined();
      }
    }
    const res = await t.request('GET', `/api/v1/experiments/${KEY}/results`);
    expect(res.status).toBe(200);
    expect(res.body.sampleSize.users).toBe(USERS);
    const metric = (name: string) =>
      res.body.metrics.find((m: { name: string }) => m.name === name).comparisons[0];
    for (const name of ['pages', 'revenue', 'buyers'] as const) {
      const want = expected(truth, name);
      const got = metric(name);
      expect(got.cuped.theta, name).toBeCloseTo(want.theta as number, 9);
      expect(got.cuped.absoluteLift, name).toBeCloseTo(want.difference as number, 9);
      expect(got.cuped.ci[0], name).toBeCloseTo(want.ci?.[0] as number, 9);
      expect(got.cuped.ci[1], name).toBeCloseTo(want.ci?.[1] as number, 9);
      expect(got.cuped.varianceReduction, name).toBeCloseTo(want.varianceReduction as number, 9);
      // the plain comparison is still there and reads the experiment's events only
      expect(got.absoluteLift, name).not.toBeNull();
    }
    // page views follow each user's activity level: the interval narrows
    const pages = metric('pages');
    expect(pages.cuped.varianceReduction).toBeGreaterThan(0.3);
    expect(pages.cuped.ci[1] - pages.cuped.ci[0]).toBeLessThan(pages.ci[1] - pages.ci[0]);
    expect(metric('order_value').cuped.reason).toMatch(/not mean/);
  }, 120_000);
});
