/**
 * Notifications and release history end to end on both databases: a run behind a manual gate
 * sends each step to a signed webhook through the outbox (the receiver refuses the first tries,
 * so delivery retries), the gate's notice carries the approve command, and the run shows in the
 * release history and the DORA report with who approved it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { type NoticeReceiver, startNoticeReceiver } from '../test-support/notice-receiver.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const SECRET_NAME = 'SLUICE_TEST_NOTIFY_SIGNING';
process.env[SECRET_NAME] = 'notify-test-signing-secret';

const plan = {
  name: 'Notify Checkout',
  version: '3.1.0',
  max_duration_hours: 4,
  stages: [
    {
      name: 'enable_flag',
      strategy: 'feature_flag',
      config: {
        flag_key: 'notify-checkout',
        progressive_rollout: true,
        rollout_stages: [
          { percentage: 50, duration_minutes: 10 },
          { percentage: 100, duration_minutes: 10 },
        ],
      },
      gates: [{ type: 'manual', required_approvers: ['product_manager'] }],
    },
  ],
};

const WAIT = { timeout: 15_000, interval: 50 };

describe.each(DIALECTS)('notifications and releases on %s', (dialect) => {
  let t: TestServer;
  let receiver: NoticeReceiver;
  let clock = Date.parse('2026-11-23T10:00:00Z');
  const now = () => new Date(clock);
  const advance = (minutes: number) => {
    clock += minutes * 60_000;
    t.server.rollouts.runtime.poke();
  };

  beforeAll(async () => {
    receiver = await startNoticeReceiver({
      secret: process.env[SECRET_NAME] as string,
      refuseFirst: 2,
      nowSeconds: 'sender', // the test moves the server's clock by minutes at a time
    });
    t = await startTestServer(dialect, { now });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('refuses a Notifier from a write token: its URL is admin configuration', async () => {
    const writer = await t.token(['write']);
    const res = await t.request('POST', '/api/v1/apply', {
      token: writer,
      body: {
        documents: [
          { kind: 'Notifier', metadata: { name: 'x' }, spec: { type: 'webhook', url: receiver.url } },
        ],
      },
    });
    expect(res.status).toBe(403);
    const bad = await t.request('POST', '/api/v1/apply', {
      body: {
        documents: [{ kind: 'Notifier', metadata: { name: 'x' }, spec: { type: 'slack', url: 'ftp://x' } }],
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toMatch(/url/);
  });

  it('announces each step once, signed, retrying a refusing receiver; history and DORA show the run', async () => {
    const notifier = {
      kind: 'Notifier',
      metadata: { name: 'ops-hook' },
      spec: { type: 'webhook', url: receiver.url, signingSecret: { secretRef: SECRET_NAME } },
    };
    expect((await t.request('POST', '/api/v1/apply', { body: { documents: [notifier, plan] } })).status).toBe(
      200,
    );
    const approver = await t.token(['write'], 'pat', ['product_manager']);
    const started = await t.request('POST', '/api/v1/rollouts/notify-checkout/start', { body: {} });
    expect(started.status).toBe(201);
    const id = started.body.id as string;

    const events = () => receiver.notices.map((n) => n.body.event);
    const gate = await vi.waitFor(() => {
      advance(0.1); // past the backoff of the refused tries
      const found = receiver.notices.find((n) => n.body.event === 'gate.waiting');
      expect(found, `notices so far: ${events().join(', ')}`).toBeDefined();
      return found;
    }, WAIT);
    expect(gate?.body.command).toBe(`sluice rollout approve ${id} --stage enable_flag --env development`);

    const ok = await t.request('POST', `/api/v1/rollout-runs/${id}/approve`, {
      token: approver,
      body: { stage: 'enable_flag' },
    });
    expect(ok.status).toBe(200);
    await vi.waitFor(async () => {
      advance(10);
      expect((await t.request('GET', `/api/v1/rollout-runs/${id}`)).body.status).toBe('succeeded');
    }, WAIT);
    await vi.waitFor(() => {
      advance(0.1);
      expect(events()).toContain('rollout.completed');
    }, WAIT);

    // at least once, in no promised order (a refused notice is retried after later ones went)
    expect([...events()].sort()).toEqual([
      'gate.waiting',
      'rollout.completed',
      'rollout.started',
      'stage.completed',
    ]);
    expect(receiver.notices.every((n) => n.signed)).toBe(true);
    expect(new Set(receiver.notices.map((n) => n.key)).size).toBe(4);
    expect(receiver.requests).toBeGreaterThanOrEqual(6); // two refusals were retried

    const status = await t.request('GET', '/api/v1/notifiers/ops-hook/status');
    expect(status.status).toBe(200);
    expect(status.body.counts).toEqual({ pending: 0, delivered: 4, dead: 0 });

    const releases = await t.request('GET', '/api/v1/releases?environment=development');
    expect(releases.body.items).toHaveLength(1);
    expect(releases.body.items[0]).toMatchObject({
      runId: id,
      plan: 'Notify Checkout',
      version: '3.1.0',
      status: 'succeeded',
      services: ['flag:notify-checkout'],
      startedBy: 'admin',
      approvedBy: ['pat'],
      rollbackReason: null,
    });
    expect(releases.body.items[0].fullAt).not.toBeNull();
    const dora = await t.request('GET', '/api/v1/reports/dora?since=30d&environment=development');
    expect(dora.status).toBe(200);
    expect(dora.body).toMatchObject({ deployments: 1, failures: 0, changeFailureRate: 0 });
    expect(dora.body.leadTimeSeconds.samples).toBe(1);
    expect((await t.request('GET', '/api/v1/reports/dora?since=forever')).status).toBe(400);
    const metrics = (await t.request('GET', '/metrics', { token: null })).text;
    expect(metrics).toMatch(/^sluice_dora_deployments_per_day\{environment="development"\} 0\.033$/m);
    expect(metrics).toMatch(/^sluice_dora_change_failure_rate\{environment="development"\} 0$/m);
    expect(metrics).toMatch(/^sluice_notification_outbox_depth 0$/m);
  });

  it('announces a flag kill and an emergency stop, with the command that undoes them', async () => {
    const killed = await t.request('POST', '/api/v1/flags/notify-checkout/kill?environment=development', {
      body: { reason: 'checkout errors' },
    });
    expect(killed.status).toBe(200);
    const stop = await t.request('POST', '/api/v1/environments/development/emergency-stop', {
      body: { reason: 'incident 7' },
    });
    expect(stop.status).toBe(200);
    await vi.waitFor(() => {
      advance(0.1);
      const events = receiver.notices.map((n) => n.body.event);
      expect(events).toContain('flag.killed');
      expect(events).toContain('emergency.stopped');
    }, WAIT);
    const kill = receiver.notices.find((n) => n.body.event === 'flag.killed');
    expect(kill?.body).toMatchObject({
      environment: 'development',
      runId: null,
      command: 'sluice flag unkill notify-checkout --env development --reason "<why>"',
    });
    expect(String(kill?.body.text)).toContain('checkout errors');
    await t.request('POST', '/api/v1/environments/development/emergency-clear', {});
    await t.request('POST', '/api/v1/flags/notify-checkout/unkill?environment=development', {
      body: { reason: 'fixed' },
    });
  });

  it('sends a notice its receiver never takes to the dead letters after maxAttempts', async () => {
    const dead = {
      kind: 'Notifier',
      metadata: { name: 'nowhere' },
      spec: { type: 'slack', url: 'http://127.0.0.1:9/', maxAttempts: 2 },
    };
    expect((await t.request('POST', '/api/v1/apply', { body: { documents: [dead] } })).status).toBe(200);
    const again = await t.request('POST', '/api/v1/rollouts/notify-checkout/start', { body: {} });
    expect(again.status).toBe(201);
    await vi.waitFor(async () => {
      advance(1);
      const s = await t.request('GET', '/api/v1/notifiers/nowhere/status');
      expect(s.body.counts.dead).toBeGreaterThan(0);
      expect(s.body.dead[0].lastError).toBeTruthy();
    }, WAIT);
    await t.request('POST', `/api/v1/rollout-runs/${again.body.id}/abort`, { body: { reason: 'test over' } });
  });
});
