/**
 * Experiments end to end on both databases: the seed's file applies unchanged, the experiment is
 * served as a flag (OFREP) and evaluations expose users, events are answered per entry, and a
 * simulated run of 20,000 users through `POST /api/v1/events` ships only after the minimums,
 * while the same run with lost exposures is a sample ratio mismatch.
 */
import { readFileSync } from 'node:fs';
import { armFor, type ExperimentSpec } from '@sluice/core/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRun } from '../../../core/src/experiments/test-support/simulation.js';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const SEED_FILE = new URL('../../../../examples/experiments/experiments.json', import.meta.url);
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');

describe.each(DIALECTS)('experiments on %s', (dialect) => {
  let t: TestServer;
  let clock = T0;
  const post = (url: string, body: unknown, token?: string) =>
    t.request('POST', url, { body, ...(token ? { token } : {}) });

  beforeAll(async () => {
    t = await startTestServer(dialect, { now: () => new Date(clock) });
  });
  afterAll(async () => t?.close());

  it("applies the seed's experiments unchanged; active means running, with who and when", async () => {
    const seed = JSON.parse(readFileSync(SEED_FILE, 'utf8'));
    const res = await post('/api/v1/apply', { documents: [seed] });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toMatch(/new_users, mobile_users do not exist/);
    const got = await t.request('GET', '/api/v1/experiments/checkout-flow-redesign');
    expect(got.body.spec).toMatchObject({ status: 'active', traffic_split: { control: 50, variant_a: 50 } });
    const results = await t.request('GET', '/api/v1/experiments/product-page-layout/results');
    expect(results.status).toBe(200);
    expect(results.body.run).toMatchObject({ startedBy: 'admin', startedAt: new Date(T0).toISOString() });
    expect(results.body.verdict.decision).toBe('keep_running');
    expect(results.body.metrics.map((m: { name: string }) => m.name)).toEqual([
      'click_through_rate',
      'time_on_page',
      'bounce_rate',
    ]);
    const again = await post('/api/v1/apply', { documents: [seed] });
    expect(again.body.results.every((r: { action: string }) => r.action === 'unchanged')).toBe(true);
  });

  it('serves the experiment as a flag (OFREP); assigning evaluations expose the user once', async () => {
    const sdk = await t.token(['sdk:development']);
    const spec = (await t.request('GET', '/api/v1/experiments/product-page-layout')).body
      .spec as ExperimentSpec;
    const answers = [];
    for (const user of ['ofrep-1', 'ofrep-2', 'ofrep-1']) {
      const r = await t.server.app.fastify.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/product-page-layout',
        headers: { authorization: `Bearer ${sdk}`, 'content-type': 'application/json' },
        payload: { context: { targetingKey: user } },
      });
      answers.push(JSON.parse(r.body));
    }
    expect(answers[0]).toMatchObject({
      value: armFor('product-page-layout', spec, 'ofrep-1'),
      reason: 'TARGETING_MATCH',
    });
    expect(answers[0].metadata).toMatchObject({ experiment: 'product-page-layout' });
    await flushExposures(t);
    const results = await t.request('GET', '/api/v1/experiments/product-page-layout/results');
    expect(results.body.sampleSize.users).toBe(2);
    // outside the targeting: control, not counted
    const outside = await t.server.app.fastify.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/checkout-flow-redesign',
      headers: { authorization: `Bearer ${sdk}`, 'content-type': 'application/json' },
      payload: { context: { targetingKey: 'x', country: 'UK' } },
    });
    expect(JSON.parse(outside.body)).toMatchObject({ value: 'control', reason: 'DEFAULT' });
  });

  it('refuses a flag with an experiment key, and an experiment with a flag key', async () => {
    const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
    const taken = await t.request('PUT', '/api/v1/flags/product-page-layout', { body: { spec: flag } });
    expect(taken.status).toBe(400);
    expect(taken.text).toMatch(/taken/);
    expect((await t.request('PUT', '/api/v1/flags/plain', { body: { spec: flag } })).status).toBe(201);
    const spec = {
      traffic_split: { control: 50, b: 50 },
      metrics: { primary: 'conversion_rate' },
      duration_days: 1,
      min_sample_size: 10,
    };
    const clash = await t.request('PUT', '/api/v1/experiments/plain', { body: { spec } });
    expect(clash.status).toBe(400);
    expect(clash.body.errors.map((e: { path: string }) => e.path)).toContain('body.spec');
  });

  it("refuses a running experiment's split change unless confirmed, saying what it does", async () => {
    const current = (await t.request('GET', '/api/v1/experiments/checkout-flow-redesign')).body.spec;
    const changed = { ...current, traffic_split: { control: 20, variant_a: 80 } };
    const refused = await t.request('PUT', '/api/v1/experiments/checkout-flow-redesign', {
      body: { spec: changed },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('EXPERIMENT_SPLIT_CHANGE_UNCONFIRMED');
    expect(refused.body.detail).toMatch(/30 % of the users in the experiment would switch arm/);
    const confirmed = await t.request('PUT', '/api/v1/experiments/checkout-flow-redesign?confirm=true', {
      body: { spec: changed },
    });
    expect(confirmed.status).toBe(200);
  });

  it('answers a batch per entry: keeps the good ones, names the bad ones', async () => {
    const time = new Date(clock).toISOString();
    const res = await post('/api/v1/events', {
      events: [
        { id: 'b-1', user: 'u-b', name: 'exposure', experiment: 'product-page-layout', time },
        { id: 'b-2', user: 'u-b', name: 'click', experiment: 'nope', time },
        { id: 'b-3', user: 'u-b', name: 'page_view', version: 'v1', time: 'soon' },
        { id: 'b-4', user: 'u-b', name: 'page_view', experiment: 'product-page-layout', time },
        {
          id: 'b-5',
          user: 'u-b',
          name: 'exposure',
          experiment: 'product-page-layout',
          version: 'not-an-arm',
          time,
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 5, stored: 2, duplicates: 0, rejected: 3 });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'body.events[2].time',
      'body.events[1].experiment',
      'body.events[4].experiment',
    ]);
    const replay = await post('/api/v1/events', {
      events: [{ id: 'b-4', user: 'u-b', name: 'page_view', experiment: 'product-page-layout', time }],
    });
    expect(replay.body).toMatchObject({ stored: 0, duplicates: 1 });
    const results = (await t.request('GET', '/api/v1/experiments/product-page-layout/results')).body;
    const arm = armFor('product-page-layout', results && (await spec(t, 'product-page-layout')), 'u-b');
    const ctr = results.metrics[0];
    expect(ctr.arms.find((a: { arm: string }) => a.arm === arm).n).toBeGreaterThanOrEqual(1);
  });

  describe('a simulated run of 20,000 users with a true 10 % lift', () => {
    const spec = {
      status: 'active',
      traffic_split: { control: 50, variant_a: 50 },
      metrics: { primary: 'conversion_rate', secondary: ['cart_abandonment'] },
      duration_days: 7,
      min_sample_size: 8000,
    };
    const rates = { control: 0.3, variant_a: 0.33 };

    async function run(key: string, lose?: { arm: string; share: number }) {
      clock = T0 + 30 * DAY;
      expect((await t.request('PUT', `/api/v1/experiments/${key}`, { body: { spec } })).status).toBe(201);
      const users = simulateRun({
        key,
        spec: spec as unknown as ExperimentSpec,
        users: 20_000,
        days: 14,
        rates,
        seed: 7,
        lose,
      });
      const looks = [];
      for (let day = 0; day < 14; day++) {
        clock = T0 + 30 * DAY + (day + 1) * DAY;
        const events = users
          .filter((u) => u.day === day)
          .flatMap((u) => {
            const time = new Date(T0 + 30 * DAY + u.at).toISOString();
            // conversions sent before exposures: out of order on purpose
            const out: object[] = [];
            if (u.converted)
              out.push({ id: `${key}-c-${u.user}`, user: u.user, name: 'conversion', experiment: key, time });
            if (u.exposed)
              out.push({
                id: `${key}-e-${u.user}`,
                user: u.user,
                name: 'exposure',
                experiment: key,
                version: u.arm,
                time,
              });
            return out;
          });
        for (let i = 0; i < events.length; i += 1000) {
          const r = await post('/api/v1/events', { events: events.slice(i, i + 1000) });
          expect(r.body.rejected).toBeUndefined();
        }
        looks.push((await t.request('GET', `/api/v1/experiments/${key}/results`)).body);
      }
      return looks;
    }

    it('reaches "ship" only after min_sample_size, with an interval covering the truth', async () => {
      const looks = await run('sim-lift');
      for (const r of looks) {
        if (r.sampleSize.smallestArm < 8000 || r.daysRunning < 7)
          expect(r.verdict.decision).toBe('keep_running');
      }
      const last = looks.at(-1);
      expect(last.verdict).toMatchObject({ decision: 'ship', arm: 'variant_a' });
      const c = last.metrics[0].comparisons[0];
      expect(c.relativeCi[0]).toBeLessThan(0.1);
      expect(c.relativeCi[1]).toBeGreaterThan(0.1);
      expect(last.sampleSize.users).toBe(20_000);
    }, 120_000);

    it('flags an injected sample ratio mismatch and never ships', async () => {
      const looks = await run('sim-srm', { arm: 'variant_a', share: 0.08 });
      for (const r of looks) expect(r.verdict.decision).not.toBe('ship');
      const last = looks.at(-1);
      expect(last.srm.mismatch).toBe(true);
      expect(last.verdict.reason).toMatch(/sample ratio mismatch/);
    }, 120_000);
  });

  it('runs an ab_test stage: starts the experiment, passes on "ship", rolls the winner out to everyone', async () => {
    clock = T0 + 100 * DAY;
    const experiment = {
      traffic_split: { control: 50, variant_a: 50 },
      metrics: { primary: 'conversion_rate' },
      duration_days: 1,
      min_sample_size: 2000,
    };
    expect(
      (await t.request('PUT', '/api/v1/experiments/ab-stage', { body: { spec: experiment } })).status,
    ).toBe(201);
    const plan = {
      name: 'Release ab',
      version: '2.0.0',
      // experiments run for days: the default watchdog (24 h) would roll the stage back
      max_duration_hours: 24 * 14,
      stages: [
        {
          name: 'experiment',
          strategy: 'ab_test',
          config: { experiment: 'ab-stage', check_interval_minutes: 60 },
        },
      ],
    };
    expect((await post('/api/v1/apply', { documents: [plan] })).status).toBe(200);
    const id = (await post('/api/v1/rollouts/release-ab/start', {})).body.id as string;
    const run = () => t.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
    await until(
      () => spec(t, 'ab-stage'),
      (s) => s.status === 'active',
      'the stage to start the experiment',
    );
    await until(run, (r) => /keep|days/.test(JSON.stringify(r.stages[0])), 'the first verdict: keep running');
    const users = simulateRun({
      key: 'ab-stage',
      spec: experiment as unknown as ExperimentSpec,
      users: 6000,
      days: 1,
      rates: { control: 0.3, variant_a: 0.4 },
      seed: 11,
    });
    const events = users.flatMap((u) => {
      const time = new Date(clock + u.at / 2).toISOString();
      const exposure = { id: `ab-e-${u.user}`, user: u.user, name: 'exposure', experiment: 'ab-stage', time };
      return u.converted
        ? [exposure, { id: `ab-c-${u.user}`, user: u.user, name: 'conversion', experiment: 'ab-stage', time }]
        : [exposure];
    });
    clock += DAY;
    for (let i = 0; i < events.length; i += 1000)
      await post('/api/v1/events', { events: events.slice(i, i + 1000) });
    clock += DAY;
    t.server.rollouts.runtime.poke();
    const done = await until(run, (r) => r.status === 'succeeded' || r.status === 'failed', 'the run to end');
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect((await spec(t, 'ab-stage')).status).toBe('concluded');
    const evaluated = await post('/api/v1/flags/ab-stage/evaluate', {
      context: { targetingKey: 'someone-new' },
    });
    expect(evaluated.body).toMatchObject({ value: 'variant_a' });
    const results = (await t.request('GET', '/api/v1/experiments/ab-stage/results')).body;
    expect(results.run).toMatchObject({ startedBy: `rollout:${id}`, concludedBy: `rollout:${id}` });
  });

  it('stops and concludes with who and when; a concluded experiment serves its winner', async () => {
    clock = T0 + 60 * DAY;
    const stop = await post('/api/v1/experiments/sim-lift/conclude', { arm: 'variant_a' });
    expect(stop.status).toBe(200);
    expect(stop.body.spec).toMatchObject({ status: 'concluded', winner: 'variant_a' });
    const results = (await t.request('GET', '/api/v1/experiments/sim-lift/results')).body;
    expect(results.run).toMatchObject({ concludedBy: 'admin', concludedAt: new Date(clock).toISOString() });
    const evaluated = await post('/api/v1/flags/sim-lift/evaluate', { context: { targetingKey: 'anyone' } });
    expect(evaluated.body).toMatchObject({ value: 'variant_a' });
    const back = await post('/api/v1/experiments/sim-lift/start', {});
    expect(back.status).toBe(400);
    expect(back.text).toMatch(/concluded cannot become active/);
  });
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 500; i++) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

async function spec(t: TestServer, key: string): Promise<ExperimentSpec> {
  return (await t.request('GET', `/api/v1/experiments/${key}`)).body.spec;
}

async function flushExposures(t: TestServer): Promise<void> {
  await t.server.experiments.exposures.flush();
}
