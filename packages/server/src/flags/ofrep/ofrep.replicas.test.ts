/**
 * Two control planes on one database (both dialects): a write on one replica reaches the other
 * replica's OFREP answers and change stream (its flag-set cache polls the generations table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../config.js';
import { createServer, type SluiceServer } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../../test-support/server.js';
import { OFREP_FLAGS } from './test-support/flags.js';
import { openSse } from './test-support/sse.js';

describe.each(DIALECTS)('OFREP across replicas on %s', (dialect) => {
  let a: TestServer;
  let b: SluiceServer;
  let bUrl: string;
  let sdk: string;

  beforeAll(async () => {
    a = await startTestServer(dialect);
    await a.request('POST', '/api/v1/apply?environment=production', { body: { documents: [OFREP_FLAGS] } });
    sdk = await a.token(['sdk:production'], 'web-app');
    b = await createServer(
      configFromEnv(
        {},
        {
          dataDir: a.db.dataDir,
          databaseUrl: a.db.databaseUrl,
          pgSchema: a.db.pgSchema,
          adminToken: ADMIN_TOKEN,
          port: 0,
          routerPort: 0,
          embeddedRouter: false,
        },
      ),
    );
    bUrl = await b.listen();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("a write on replica A reaches replica B's stream and answers", async () => {
    const evaluateOnB = async () =>
      (
        await fetch(`${bUrl}/ofrep/v1/evaluate/flags/banner-colour`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sdk}`, 'content-type': 'application/json' },
          body: '{"context":{}}',
        })
      ).json();
    expect(await evaluateOnB()).toMatchObject({ value: 'blue' });
    const stream = await openSse(`${bUrl}/ofrep/v1/events?environment=production`, {
      authorization: `Bearer ${sdk}`,
    });
    try {
      await stream.next();
      const changed = await a.request('PUT', '/api/v1/flags/banner-colour?environment=production', {
        body: { spec: { state: 'ENABLED', variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red' } },
      });
      expect(changed.status).toBe(200);
      const event = await stream.next();
      expect(JSON.parse(event.data ?? '').type).toBe('refetchEvaluation');
      expect(await evaluateOnB()).toMatchObject({ value: 'red', variant: 'red' });
    } finally {
      stream.close();
    }
  });
});
