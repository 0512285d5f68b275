/**
 * A Flagger Canary's webhooks called over real HTTP while its run walks, with the server's clock
 * in the test's hands: confirm-rollout waits, confirm-promotion holds then promotes, a rollback
 * hook answering 200 rolls back, pre-rollout failures roll back at the threshold; post-rollout
 * and event hooks hear of it with Flagger's payloads.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

interface Received {
  hook: string;
  body: {
    name: string;
    namespace: string;
    phase: string;
    checksum: string;
    metadata: Record<string, string>;
  };
}

const WAIT = { timeout: 10_000, interval: 20 };

describe('Canary webhooks, end to end', () => {
  let t: TestServer;
  let http: Server;
  let base: string;
  let clock = Date.parse('2026-11-23T10:00:00Z');
  const now = () => new Date(clock);
  const advance = (minutes: number) => {
    clock += minutes * 60_000;
    t.server.rollouts.runtime.poke();
  };
  /** The status each hook answers with (default 200). */
  const answers = new Map<string, number>();
  const received: Received[] = [];

  beforeAll(async () => {
    // one local server: the app's versions (any GET is healthy) and every webhook (POST /hooks/<name>)
    http = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      req.on('end', () => {
        const hook = /^\/hooks\/(.+)$/.exec(req.url ?? '')?.[1];
        if (req.method !== 'POST' || !hook) return res.writeHead(200).end('ok');
        received.push({ hook, body: JSON.parse(text) });
        const status = answers.get(hook) ?? 200;
        res.writeHead(status).end(status === 200 ? 'yes' : 'not yet');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    t = await startTestServer('sqlite', { now });
  });
  afterAll(async () => {
    await t?.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  const run = (id: string) => t.request('GET', `/api/v1/rollout-runs/${id}`).then((r) => r.body);
  const until = (id: string, what: string, ok: (r: any) => boolean) =>
    vi.waitFor(async () => {
      const r = await run(id);
      expect(ok(r), `${what}: ${r.status} ${JSON.stringify(r.waitingFor)}`).toBe(true);
      return r;
    }, WAIT);
  /** Like `until`, moving the clock a minute each time it looks (a timer may be set just after one move). */
  const untilAdvancing = (id: string, what: string, ok: (r: any) => boolean) =>
    vi.waitFor(async () => {
      const r = await run(id);
      if (!ok(r)) advance(1);
      expect(ok(r), `${what}: ${r.status} ${JSON.stringify(r.waitingFor)}`).toBe(true);
      return r;
    }, WAIT);
  const calls = (hook: string) => received.filter((r) => r.hook === hook);

  /** A Service on static upstreams, and a Canary of it with these webhooks; returns the run id. */
  async function startCanary(name: string, webhooks: unknown[], threshold = 2, on = t): Promise<string> {
    const service = await on.request('PUT', `/api/v1/services/${name}?environment=development`, {
      body: {
        spec: {
          stableVersion: '1.0.0',
          deploy: { provider: 'static', upstreams: { '1.0.0': [`${base}/v1`], '2.0.0': [`${base}/v2`] } },
          traffic: { provider: 'builtin', route: { host: `${name}.dev.localhost` } },
        },
      },
    });
    expect(service.status, service.text).toBe(201);
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: `${name}-canary`, namespace: 'shop' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        analysis: { interval: '1m', threshold, stepWeight: 50, maxWeight: 50, webhooks },
      },
    };
    const applied = await on.request('POST', '/api/v1/apply', { body: { documents: [canary] } });
    expect(applied.status, applied.text).toBe(200);
    expect((applied.body.results[0].warnings ?? []).join('\n')).not.toMatch(/not called/);
    const started = await on.request('POST', `/api/v1/rollouts/${name}-canary/start`, {
      body: { version: '2.0.0' },
    });
    expect(started.status, started.text).toBe(201);
    return started.body.id as string;
  }
  const hook = (name: string, type: string) => ({ name, type, url: `${base}/hooks/${name}`, timeout: '5s' });

  it('waits on confirm-rollout, holds at the top weight on confirm-promotion, then promotes; post-rollout and event hooks hear of it', async () => {
    answers.set('start-gate', 403);
    answers.set('promote-gate', 403);
    const id = await startCanary('gated', [
      hook('start-gate', 'confirm-rollout'),
      hook('promote-gate', 'confirm-promotion'),
      hook('after', 'post-rollout'),
      hook('events', 'event'),
    ]);
    const waiting = await until(id, 'waiting for confirmation', (r) =>
      r.waitingFor.join(' ').includes('waiting for confirm-rollout webhook "start-gate"'),
    );
    expect(waiting.stages[0].weight).toBe(0);
    expect(calls('start-gate')[0]?.body).toEqual({
      name: 'gated-canary',
      namespace: 'shop',
      phase: 'Progressing',
      checksum: '2.0.0',
      metadata: {},
    });
    // asked again every interval, and nothing is deployed while it says no
    advance(1);
    await vi.waitFor(() => expect(calls('start-gate').length).toBeGreaterThanOrEqual(2), WAIT);
    expect((await run(id)).stages[0].weight).toBe(0);
    answers.set('start-gate', 200);
    await untilAdvancing(id, 'at 50%', (r) => r.stages[0].weight === 50);
    await untilAdvancing(id, 'holding for promotion', (r) =>
      r.waitingFor.join(' ').includes('waiting for confirm-promotion webhook "promote-gate"'),
    );
    advance(1);
    await vi.waitFor(() => expect(calls('promote-gate').length).toBeGreaterThanOrEqual(2), WAIT);
    expect((await run(id)).stages[0].weight).toBe(50);
    answers.set('promote-gate', 200);
    const done = await untilAdvancing(id, 'succeeded', (r) => r.status === 'succeeded');
    expect(done.stages[0].weight).toBe(100);
    expect(calls('after').map((c) => c.body.phase)).toEqual(['Succeeded']);
    await vi.waitFor(() => {
      const told = calls('events')
        .map((c) => c.body.metadata.eventMessage)
        .join('\n');
      expect(told).toMatch(/waiting for confirm-rollout webhook "start-gate"/);
      expect(told).toMatch(/succeeded/);
    }, WAIT);
    expect(calls('events')[0]?.body.metadata).toMatchObject({
      eventType: expect.stringMatching(/Normal|Warning/),
    });
    const explained = (await t.request('GET', `/api/v1/rollout-runs/${id}/explain`)).body.lines.join('\n');
    expect(explained).toMatch(/the canary waits: waiting for confirm-rollout webhook "start-gate"/);
    expect(explained).toMatch(/confirm-promotion webhook "promote-gate" confirmed/);
  });

  it('rolls back when a rollback hook answers 200, and says so', async () => {
    answers.set('abort', 404);
    const id = await startCanary('aborted', [hook('abort', 'rollback'), hook('told', 'post-rollout')]);
    await until(id, 'at 50%', (r) => r.stages[0].weight === 50);
    answers.set('abort', 200);
    advance(1);
    const done = await until(id, 'rolled back', (r) => r.status === 'rolled_back');
    expect(done.stages[0].weight).toBe(0);
    expect(calls('abort')[0]?.body.phase).toBe('Progressing');
    expect(calls('told').map((c) => c.body.phase)).toEqual(['Failed']);
    const explained = (await t.request('GET', `/api/v1/rollout-runs/${id}/explain`)).body.lines.join('\n');
    expect(explained).toMatch(/rollback webhook "abort" answered 2xx: a manual rollback was asked for/);
  });

  it('rolls back once pre-rollout has failed threshold times, before any traffic', async () => {
    answers.set('smoke', 500);
    const id = await startCanary('smoked', [hook('smoke', 'pre-rollout')], 2);
    await until(id, 'one failure counted', (r) => r.waitingFor.join(' ').includes('1 of 2 allowed'));
    expect((await run(id)).stages[0].weight).toBe(0);
    advance(1);
    const done = await until(id, 'rolled back', (r) => r.status === 'rolled_back');
    expect(calls('smoke')).toHaveLength(2);
    expect(done.stages[0].weight).toBe(0);
    const explained = (await t.request('GET', `/api/v1/rollout-runs/${id}/explain`)).body.lines.join('\n');
    expect(explained).toMatch(/pre-rollout webhook "smoke" failed 2 time\(s\), the analysis' threshold/);
  });

  it('keeps holding for confirm-promotion across a restart of the control plane, then promotes', async () => {
    const db = await createTestDatabase('sqlite');
    let a: TestServer | undefined = await startTestServer('sqlite', { now, database: db });
    let b: TestServer | undefined;
    const main = t;
    try {
      answers.set('durable-gate', 403);
      t = a;
      const id = await startCanary('durable', [hook('durable-gate', 'confirm-promotion')], 2, a);
      await untilAdvancing(id, 'holding for promotion', (r) =>
        r.waitingFor.join(' ').includes('confirm-promotion webhook "durable-gate"'),
      );
      await a.close();
      a = undefined;
      answers.set('durable-gate', 200);
      b = await startTestServer('sqlite', { now, database: db });
      t = b;
      const done = await untilAdvancing(id, 'succeeded after restart', (r) => r.status === 'succeeded');
      expect(done.stages[0].weight).toBe(100);
      expect(calls('durable-gate').at(-1)?.body.phase).toBe('Progressing');
    } finally {
      t = main;
      await a?.close();
      await b?.close();
      await db.drop();
    }
  });
});
