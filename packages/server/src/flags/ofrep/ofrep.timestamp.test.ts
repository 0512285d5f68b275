/** `$flagd.timestamp` in OFREP evaluations reads the server's clock (here a fixed one). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const LAUNCH = Date.parse('2030-01-01T00:00:00Z') / 1000;
const FLAGS = {
  flags: {
    'after-launch': {
      state: 'ENABLED',
      variants: { before: false, after: true },
      defaultVariant: 'before',
      targeting: { if: [{ '>=': [{ var: '$flagd.timestamp' }, LAUNCH] }, 'after', 'before'] },
    },
  },
};

describe('OFREP and $flagd.timestamp', () => {
  let t: TestServer;
  let sdk: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { now: () => new Date('2030-06-01T00:00:00Z') });
    const applied = await t.request('POST', '/api/v1/apply?environment=production', {
      body: { documents: [FLAGS] },
    });
    expect(applied.status).toBe(200);
    sdk = await t.token(['sdk:production'], 'clock-app');
  });
  afterAll(async () => t?.close());

  it('gives rules the server clock, in single and bulk evaluations', async () => {
    const one = await t.request('POST', '/ofrep/v1/evaluate/flags/after-launch', {
      body: { context: { targetingKey: 'u1' } },
      token: sdk,
    });
    expect(one.body).toMatchObject({ value: true, variant: 'after', reason: 'TARGETING_MATCH' });
    const all = await t.request('POST', '/ofrep/v1/evaluate/flags', {
      body: { context: { targetingKey: 'u1' } },
      token: sdk,
    });
    expect((all.body as { flags: unknown[] }).flags).toContainEqual(
      expect.objectContaining({ key: 'after-launch', value: true, variant: 'after' }),
    );
  });
});
