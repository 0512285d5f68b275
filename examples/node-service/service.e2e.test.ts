/**
 * Done-when for the Node SDK: the example service answers from in-process evaluation, follows a
 * flip made through the API, keeps answering while the server is down (status stale), and
 * reconnects when it returns.
 */
import { createTestDatabase, startTestServer, type TestServer } from '@sluice/server/test-support';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startService } from './service.mjs';

const FLAG = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe('examples/node-service', () => {
  const database = createTestDatabase('sqlite');
  afterAll(async () => (await database).drop());

  it('follows flips, serves through a server restart and reconnects', async () => {
    let t: TestServer = await startTestServer('sqlite', {
      defaultEnvironment: 'development',
      database: await database,
    });
    const flip = async (variant: string) => {
      const res = await t.request('PUT', '/api/v1/flags/new-checkout?environment=development', {
        body: { spec: { ...FLAG, defaultVariant: variant } },
      });
      expect(res.status).toBeLessThan(300);
    };
    await flip('off');
    const token = await t.token(['sdk:development'], 'node-service');
    const url = (await t.server.listen()).replace('localhost', '127.0.0.1');
    const port = Number(new URL(url).port);
    const lines: string[] = [];
    const service = await startService({ url, token, log: (line: string) => lines.push(line) });
    const checkout = () => fetch(`${service.url}/checkout?user=ada`).then((r) => r.json());
    try {
      expect(await checkout()).toMatchObject({ checkout: 'classic', variant: 'off', flags: 'ready' });
      await flip('on');
      await vi.waitFor(async () => expect(await checkout()).toMatchObject({ checkout: 'new' }));
      expect(lines).toContain('flags changed: new-checkout');

      await t.close();
      await vi.waitFor(async () =>
        expect(await checkout()).toMatchObject({ checkout: 'new', flags: 'stale' }),
      );

      t = await startTestServer('sqlite', {
        defaultEnvironment: 'development',
        database: await database,
        port,
      });
      await t.server.listen();
      await flip('off');
      await vi.waitFor(
        async () => expect(await checkout()).toMatchObject({ checkout: 'classic', flags: 'ready' }),
        {
          timeout: 20_000,
        },
      );
      expect(lines.some((l) => l.startsWith('flags are stale'))).toBe(true);
    } finally {
      await service.close();
      await t.close();
    }
  }, 60_000);
});
