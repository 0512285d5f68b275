/** Flagger `rollout` webhooks called over real HTTP: Flagger's payload, and every failure a failed check. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/sluice-process.js';
import { callStageWebhook, callWebhook } from './webhooks.js';

describe('callWebhook', () => {
  let server: Server;
  let base: string;
  const received: { path: string; type: string | undefined; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'], body: JSON.parse(text) });
        if (req.url === '/pass') res.writeHead(200).end('ok');
        else if (req.url === '/fail') res.writeHead(500).end(`acceptance failed\n${'x'.repeat(100_000)}`);
        else if (req.url === '/redirect') res.writeHead(302, { location: '/pass' }).end();
        // '/slow' never answers
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (path: string, timeout_seconds = 5) =>
    callWebhook({
      metric: 'webhook:acceptance',
      check: { canary: 'web-canary', url: `${base}${path}`, timeout_seconds, metadata: { suite: 'smoke' } },
      environment: 'staging',
      version: '2.0.0',
    });

  it("POSTs Flagger's payload as JSON and reads a 200 as a passed check", async () => {
    received.length = 0;
    expect(await call('/pass')).toEqual({
      metric: 'webhook:acceptance',
      value: 1,
      note: `webhook ${base}/pass answered 200`,
      sampleCount: 1,
    });
    expect(received).toEqual([
      {
        path: '/pass',
        type: 'application/json',
        body: {
          name: 'web-canary',
          namespace: 'staging',
          phase: 'Progressing',
          checksum: '2.0.0',
          metadata: { suite: 'smoke' },
        },
      },
    ]);
  });

  it('reads a 500, a redirect, no answer in time and no server as failed checks, saying why', async () => {
    const failed = await call('/fail');
    expect(failed.value).toBe(0);
    expect(failed.note).toMatch(/answered 500: acceptance failed x+$/);
    expect((failed.note ?? '').length).toBeLessThan(400);
    expect((await call('/redirect')).note).toMatch(/answered 302/);
    const slow = await call('/slow', 0.2);
    expect(slow).toMatchObject({ value: 0, sampleCount: 1 });
    expect(slow.note).toMatch(/did not answer within 0\.2s/);
    const gone = await callWebhook({
      metric: 'webhook:gone',
      check: {
        canary: 'web-canary',
        url: `http://127.0.0.1:${await freePort()}/`,
        timeout_seconds: 5,
        metadata: {},
      },
      environment: 'staging',
      version: '2.0.0',
    });
    expect(gone).toMatchObject({ value: 0, sampleCount: 1 });
    expect(gone.note).toMatch(/could not be reached: ECONNREFUSED/);
  });

  it("calls a stage's webhook with the phase it is given; ok only on a 2xx in time, never throwing", async () => {
    received.length = 0;
    const stageCall = (path: string, timeoutSeconds = 5) =>
      callStageWebhook(
        {
          opId: 'r/canary#1/hook/confirm-promotion/3/call_webhook',
          stage: 'canary',
          kind: 'call_webhook',
          hook: 'confirm-promotion',
          name: 'gate',
          url: `${base}${path}`,
          timeoutSeconds,
          canary: 'web-canary',
          namespace: 'shop',
          phase: 'WaitingPromotion',
          checksum: '2.0.0',
          metadata: { who: 'qa' },
        },
        'staging',
      );
    expect(await stageCall('/pass')).toEqual({
      ok: true,
      data: { answer: `webhook ${base}/pass answered 200`, status: 200 },
    });
    expect(received[0]?.body).toEqual({
      name: 'web-canary',
      namespace: 'shop',
      phase: 'WaitingPromotion',
      checksum: '2.0.0',
      metadata: { who: 'qa' },
    });
    const refused = await stageCall('/fail');
    expect(refused).toMatchObject({ ok: false, data: { status: 500 } });
    expect(refused.error).toMatch(/answered 500: acceptance failed/);
    const slow = await stageCall('/slow', 0.2);
    expect(slow.ok).toBe(false);
    expect(slow.error).toMatch(/did not answer within 0\.2s/);
  });
});
