/**
 * `GET /api/v1/watch` on a listening server: what each token sees, the per-token cap, and
 * a revoked token's stream ending. Events are waited for, never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createServer, type SluiceServer } from '../server.js';
import { DEFAULT_WATCH_LIMITS } from './watch-hub.js';

const ADMIN = 'watch-test-admin-token-0000';

interface Frame {
  event: string;
  data: unknown;
}

/** An open stream: frames as they come, and a way to wait for one. */
async function openWatch(url: string, token: string, query = '') {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/v1/watch${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  let comments = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  if (res.ok && res.body) {
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n');
            if (lines.every((l) => l.startsWith(':') || l.startsWith('retry:'))) comments++;
            const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
            const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
            if (event && data) frames.push({ event, data: JSON.parse(data) });
            end = buffer.indexOf('\n\n');
          }
          wake();
        }
      } catch {
        // aborted
      }
      ended = true;
      wake();
    })();
  }
  const until = (ok: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (ok()) {
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
    });
  return {
    res,
    frames,
    get comments() {
      return comments;
    },
    get ended() {
      return ended;
    },
    until,
    close: () => abort.abort(),
  };
}

describe('watch stream', () => {
  let dir: string;
  let server: SluiceServer;
  let url: string;
  const api = (method: string, path: string, body?: unknown, token = ADMIN) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const token = async (subject: string, scopes: string[]) => {
    const res = await api('POST', '/api/v1/tokens', { subject, scopes });
    return (await res.json()) as { id: string; token: string };
  };
  const flag = (env: string, name: string) =>
    api('PUT', `/api/v1/flags/${name}?environment=${env}`, {
      spec: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-'));
    server = await createServer(
      configFromEnv({}, { dataDir: dir, port: 0, embeddedRouter: false, adminToken: ADMIN }),
    );
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each token only the environments it may read', async () => {
    const dev = await token('dev-reader', ['read:development']);
    const admin = await openWatch(url, ADMIN);
    const limited = await openWatch(url, dev.token);
    expect(limited.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect((await flag('production', 'prod-only')).status).toBe(201);
    expect((await flag('development', 'dev-flag')).status).toBe(201);
    expect((await api('PUT', '/api/v1/environments/staging', { spec: {} })).status).toBe(201);
    const named = (s: { frames: Frame[] }, name: string) =>
      s.frames.some((f) => f.event === 'resource' && (f.data as { name: string }).name === name);
    await admin.until(() => named(admin, 'prod-only') && named(admin, 'dev-flag') && named(admin, 'staging'));
    // a later development write: once it arrives, everything before it on that stream has too
    expect((await flag('development', 'dev-flag-2')).status).toBe(201);
    await limited.until(() => named(limited, 'dev-flag-2'));
    expect(limited.frames.find((f) => f.event === 'resource')?.data).toEqual({
      kind: 'Flag',
      name: 'dev-flag',
      environment: 'development',
      action: 'created',
      version: 1,
    });
    expect(named(limited, 'prod-only')).toBe(false);
    expect(named(limited, 'staging')).toBe(false);
    await limited.until(() => limited.frames.some((f) => f.event === 'flags'));
    const flagSets = limited.frames.filter((f) => f.event === 'flags').map((f) => f.data);
    expect(flagSets.every((d) => (d as { environment: string }).environment === 'development')).toBe(true);
    admin.close();
    limited.close();
  });

  it('refuses an environment the token may not read, and a token in the URL is no token', async () => {
    const dev = await token('dev-reader-2', ['read:development']);
    const res = await fetch(`${url}/api/v1/watch?environment=production`, {
      headers: { authorization: `Bearer ${dev.token}` },
    });
    expect(res.status).toBe(403);
    const inUrl = await fetch(`${url}/api/v1/watch?token=${dev.token}`);
    expect(inUrl.status).toBe(401);
  });

  it('caps the streams one token holds, and frees a place when one closes', async () => {
    const t = await token('tabs', ['read']);
    const open = [];
    for (let i = 0; i < DEFAULT_WATCH_LIMITS.perToken; i++) open.push(await openWatch(url, t.token));
    expect(open.every((s) => s.res.status === 200)).toBe(true);
    const over = await fetch(`${url}/api/v1/watch`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(over.status).toBe(429);
    expect(((await over.json()) as { code: string }).code).toBe('WATCH_STREAMS_EXHAUSTED');
    // another token is not affected
    const other = await openWatch(url, ADMIN);
    expect(other.res.status).toBe(200);
    other.close();
    open.pop()?.close();
    let again = await fetch(`${url}/api/v1/watch`, { headers: { authorization: `Bearer ${t.token}` } });
    while (again.status === 429) {
      // the server sees the close when the socket ends: ask again until it has
      await new Promise((r) => setImmediate(r));
      again = await fetch(`${url}/api/v1/watch`, { headers: { authorization: `Bearer ${t.token}` } });
    }
    expect(again.status).toBe(200);
    await again.body?.cancel();
    for (const s of open) s.close();
  });
});
