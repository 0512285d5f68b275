/** Replicas first starting together on one fresh PostgreSQL database, with SLUICE_ADMIN_TOKEN. */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

describe('the admin token of SLUICE_ADMIN_TOKEN', () => {
  let db: TestDatabase;
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    await db?.drop();
  });

  it('is stored once when four replicas first start at once, and every replica starts and accepts it', async () => {
    db = await createTestDatabase('postgres');
    const started = await Promise.allSettled(
      [1, 2, 3, 4].map(() => startTestServer('postgres', { database: db })),
    );
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(
      Array(4).fill('started'),
    );
    for (const s of servers) expect((await s.request('GET', '/api/v1/tokens')).status).toBe(200);
    const tokens = (await servers[0]!.request('GET', '/api/v1/tokens')).body as {
      items: { description: string }[];
    };
    expect(tokens.items.filter((t) => t.description === 'from SLUICE_ADMIN_TOKEN')).toHaveLength(1);
  });
});
