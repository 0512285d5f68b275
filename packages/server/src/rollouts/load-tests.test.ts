/** Load tests of Flagger canaries share one budget per process (they run in the control plane). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadTest } from '@sluice/core/rollouts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_TESTS_TOTAL_RPS, LoadTests } from './load-tests.js';

describe('LoadTests', () => {
  let target: Server;
  let port: number;
  beforeAll(async () => {
    target = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
  });
  afterAll(async () => {
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
  });

  it('runs tests up to the process budget and refuses, with a warning, the one that would pass it', () => {
    const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const tests = new LoadTests({
      router: { status: () => ({ listen: { port } }) } as never,
      status: async () => 'running',
      log: (level, message, fields) => logs.push({ level, message, fields: fields ?? {} }),
    });
    const test = (webhook: string, rps: number): LoadTest => ({
      webhook,
      rps,
      concurrency: 1,
      durationMs: 60_000,
      method: 'GET',
      url: 'http://shop.localhost/',
      host: 'shop.localhost',
      path: '/',
    });
    try {
      tests.start('run-1', [test('a', 1000), test('b', LOAD_TESTS_TOTAL_RPS - 1000)]);
      tests.start('run-2', [test('c', 1)]);
      const refused = logs.filter((l) => l.level === 'warn');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({
        message: 'a load test would pass the process budget; it is not run',
        fields: { runId: 'run-2', webhook: 'c', running: LOAD_TESTS_TOTAL_RPS },
      });
      expect(logs.filter((l) => l.message === 'load test started').map((l) => l.fields.webhook)).toEqual([
        'a',
        'b',
      ]);
    } finally {
      tests.stop();
    }
  });
});
