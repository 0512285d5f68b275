/**
 * A large set arriving over a real stream compiles in slices while the set before it serves;
 * whatever an evaluation sees meanwhile is one version whole, never flags of both.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SluiceClient } from './client.js';

const FLAGS = 3000;

function frame(version: number, variant: 'on' | 'off') {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < FLAGS; i++) {
    flags[`flag-${i}`] = {
      state: 'ENABLED',
      variants: { on: 'on', off: 'off' },
      defaultVariant: variant,
      targeting: { if: [{ ends_with: [{ var: 'email' }, `@team-${i}.example`] }, 'on', null] },
    };
  }
  const payload = {
    environment: 'development',
    version,
    digest: `d${version}`,
    builtAt: new Date(0).toISOString(),
    flags,
    segments: {},
    killed: [],
    emergency: false,
  };
  return `event: flag-set\ndata: ${JSON.stringify(payload)}\n\n`;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('SluiceClient taking a large set', () => {
  it('serves the previous set whole until the new one is compiled, then the new one whole', async () => {
    let stream: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame(1, 'off'));
      stream = res;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const client = new SluiceClient({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: 'any',
    });
    closers.push(() => client.close());
    await client.waitForReady({ timeoutMs: 20_000 });

    const seen = new Set<string>();
    let changed = false;
    client.on('change', () => {
      changed = true;
    });
    const sample = () => {
      const answers = [0, 1500, FLAGS - 1].map((i) => client.value(`flag-${i}`, 'none'));
      seen.add(`${client.version()}:${answers.join(',')}`);
    };
    stream?.write(frame(2, 'on'));
    // between slices of the compile, as any other callback of the process would
    while (!changed) {
      sample();
      await new Promise((r) => setImmediate(r));
    }
    sample();
    for (const s of seen) expect(['1:off,off,off', '2:on,on,on']).toContain(s);
    expect(seen).toContain('2:on,on,on');
  });
});
