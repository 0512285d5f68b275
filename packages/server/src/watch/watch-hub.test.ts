/** The hub's heartbeat: quiet streams get a comment, a revoked token's stream ends. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchHub } from './watch-hub.js';

let http: Server | undefined;
let hub: WatchHub | undefined;

afterEach(async () => {
  hub?.close();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
});

async function serve(alive: () => Promise<boolean>): Promise<string> {
  hub = new WatchHub({ perToken: 2, total: 10, heartbeatMs: 20 });
  const h = hub;
  http = createServer((_req, res) =>
    h.open({ res, tokenKey: 't', scopes: ['read'], environments: null, alive }),
  );
  await new Promise<void>((r) => http?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function readUntil(
  url: string,
  done: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  const res = await fetch(url);
  let text = '';
  for await (const chunk of (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (done(text)) return { text, ended: false };
  }
  return { text, ended: true };
}

describe('watch hub heartbeat', () => {
  it('keeps a quiet stream open with comments while the token is valid', async () => {
    const url = await serve(async () => true);
    const { text } = await readUntil(url, (t) => t.split(': heartbeat').length > 2);
    expect(text.startsWith('retry: 2000\n: connected\n\n')).toBe(true);
  });

  it('ends the stream once the token is no longer valid', async () => {
    let valid = true;
    const url = await serve(async () => valid);
    const { text, ended } = await readUntil(url, (t) => {
      if (t.includes(': heartbeat')) valid = false;
      return false;
    });
    expect(ended).toBe(true);
    expect(text).toContain('event: closed');
    expect(hub?.size).toBe(0);
  });
});
