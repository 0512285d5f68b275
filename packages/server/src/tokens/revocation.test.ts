/**
 * A revoke reaches every replica at once (issue 13): two servers on one PostgreSQL database; B
 * has just verified a token (and would trust its cache for 30 s), A revokes it, B refuses it
 * without waiting — the change bus (LISTEN/NOTIFY) told it. On SQLite the bus is in-process.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

const FLAG = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

describe('token revocation across replicas', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres', { database: a.db });
    await a.request('PUT', '/api/v1/flags/f1?environment=production', { body: { spec: FLAG } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('stops the token on the other replica at once', async () => {
    const sdk = await a.token(['sdk:production'], 'web');
    const id = (await a.request('GET', '/api/v1/whoami', { token: sdk })).body.tokenId as string;
    const onB = () => b.request('POST', '/ofrep/v1/evaluate/flags/f1', { body: { context: {} }, token: sdk });
    expect((await onB()).status).toBe(200);
    expect((await a.request('POST', `/api/v1/tokens/${id}/revoke`)).status).toBe(200);
    // well inside the 30 s cache lifetime: only the bus can have told B
    await vi.waitFor(async () => expect((await onB()).status).toBe(401), { timeout: 3_000, interval: 20 });
    expect((await a.request('GET', '/api/v1/whoami', { token: sdk })).status).toBe(401);
  });
});
