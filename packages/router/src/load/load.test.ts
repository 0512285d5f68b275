import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isSluiceError } from '@sluice/core/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadProgress, runLoad } from './run.js';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('runLoad', () => {
  it('sends the scheduled requests as sticky users with their cookies', async () => {
    let next = 0;
    const seen = new Map<string, { requests: number; withCookie: number }>();
    const url = await serve((req, res) => {
      const user = String(req.headers['x-user-id']);
      const entry = seen.get(user) ?? { requests: 0, withCookie: 0 };
      seen.set(user, entry);
      entry.requests++;
      // A toy sticky router: the cookie pins the version, else alternate.
      const pinned = /sticky=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
      if (pinned) entry.withCookie++;
      const version = pinned ?? (next++ % 2 === 0 ? 'blue' : 'green');
      res.writeHead(200, { 'sluice-version': version, 'set-cookie': `sticky=${version}; Path=/` }).end('ok');
    });
    const summary = await runLoad({ url, rps: 200, durationMs: 500, users: 10, sessionRequests: 1000 });
    expect(summary.scheduled).toBe(100);
    expect(summary.sent + summary.dropped).toBe(100);
    expect(summary.ok).toBe(summary.sent);
    expect(summary.failed).toBe(0);
    expect(summary.byStatus).toEqual({ '200': summary.sent });
    expect((summary.byVersion.blue ?? 0) + (summary.byVersion.green ?? 0)).toBe(summary.sent);
    expect(summary.usersSwitchedVersion).toBe(0);
    expect(summary.latency.p50).toBeGreaterThan(0);
    expect(summary.latency.p50).toBeLessThanOrEqual(summary.latency.p99);
    expect(seen.size).toBeLessThanOrEqual(10);
    for (const [user, e] of seen) {
      expect(user).toMatch(/^load-user-\d$/);
      // Every request after a user's first carries the cookie it was given.
      expect(e.withCookie).toBeGreaterThanOrEqual(e.requests - 1);
    }
  });

  it('replaces a user whose session is over with a newcomer without cookies', async () => {
    const firstSeen = new Map<string, string | undefined>();
    const url = await serve((req, res) => {
      const user = String(req.headers['x-user-id']);
      if (!firstSeen.has(user)) firstSeen.set(user, req.headers.cookie);
      res.writeHead(200, { 'set-cookie': 'sticky=blue; Path=/' }).end('ok');
    });
    const summary = await runLoad({ url, rps: 100, durationMs: 400, users: 2, sessionRequests: 4 });
    // every request is answered; each of the 2 seats changes user every 4 requests
    expect(summary.sent).toBe(summary.ok);
    expect(firstSeen.size).toBeGreaterThanOrEqual(Math.ceil(summary.sent / 4));
    expect(firstSeen.size).toBeLessThanOrEqual(Math.ceil(summary.sent / 4) + 2);
    expect(summary.users).toBeGreaterThanOrEqual(firstSeen.size);
    for (const cookie of firstSeen.values()) expect(cookie).toBeUndefined();
  });

  it('reaches a host-routed name under .localhost on loopback, with that name as Host', async () => {
    const hosts = new Set<string>();
    const url = await serve((req, res) => {
      hosts.add(String(req.headers.host));
      res.writeHead(200).end('ok');
    });
    const port = new URL(url).port;
    const summary = await runLoad({
      url: `http://web.localhost:${port}/`,
      rps: 100,
      durationMs: 200,
      users: 5,
    });
    expect(summary.failed).toBe(0);
    expect(summary.ok).toBe(summary.sent);
    expect(summary.sent).toBeGreaterThan(0);
    expect([...hosts]).toEqual([`web.localhost:${port}`]);
  });

  it('never exceeds the concurrency cap, dropping what is due while at it', async () => {
    let active = 0;
    let maxActive = 0;
    const url = await serve((_req, res) => {
      active++;
      maxActive = Math.max(maxActive, active);
      setTimeout(() => {
        active--;
        res.end('slow');
      }, 300);
    });
    const summary = await runLoad({ url, rps: 100, durationMs: 500, concurrency: 3 });
    expect(maxActive).toBeLessThanOrEqual(3);
    expect(summary.sent).toBeGreaterThanOrEqual(3);
    expect(summary.dropped).toBeGreaterThan(0);
    expect(summary.sent + summary.dropped).toBe(summary.scheduled);

    // Each simulated user waits for its answer, so two users never have three requests out.
    maxActive = 0;
    const twoUsers = await runLoad({ url, rps: 100, durationMs: 300, users: 2 });
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(twoUsers.dropped).toBeGreaterThan(0);
  });

  it('counts error statuses and connection failures as failed', async () => {
    const url = await serve((_req, res) => res.writeHead(503).end());
    const s = await runLoad({ url, rps: 100, durationMs: 200 });
    expect(s.failed).toBe(s.sent);
    expect(s.byStatus).toEqual({ '503': s.sent });
    expect(s.byVersion).toEqual({ unknown: s.sent });

    const closed = await serve(() => {});
    await new Promise((r) => servers.pop()?.close(r));
    const refused = await runLoad({ url: closed, rps: 50, durationMs: 200 });
    expect(refused.ok).toBe(0);
    expect(refused.errors.ECONNREFUSED).toBe(refused.sent);
  });

  it('times out requests that hang', async () => {
    const url = await serve(() => {});
    const s = await runLoad({ url, rps: 20, durationMs: 100, timeoutMs: 100 });
    expect(s.errors.TIMEOUT).toBe(s.sent);
  });

  it('stops scheduling when aborted and reports progress', async () => {
    const url = await serve((_req, res) => res.end('ok'));
    const controller = new AbortController();
    const progress: LoadProgress[] = [];
    const s = await runLoad({
      url,
      rps: 100,
      durationMs: 60_000,
      progressIntervalMs: 100,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        controller.abort();
      },
    });
    expect(s.aborted).toBe(true);
    expect(s.scheduled).toBeLessThan(6000);
    expect(s.ok).toBe(s.sent);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)?.completed).toBe(s.sent);
  });

  it('refuses non-loopback targets before sending anything', async () => {
    const err = await runLoad({ url: 'http://192.0.2.1/', rps: 1, durationMs: 1 }).catch((e) => e);
    expect(isSluiceError(err, 'LOAD_TARGET_NOT_LOOPBACK')).toBe(true);
  });
});

describe('runLoad against the demo app', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('reads the demo version header and sees injected errors', async () => {
    const script = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
    child = spawn(process.execPath, [script, '--version', '2.0.0', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const port = await new Promise<number>((resolve) => {
      let out = '';
      child?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    const base = `http://127.0.0.1:${port}`;
    const good = await runLoad({ url: `${base}/api/v2/status`, rps: 100, durationMs: 300, users: 5 });
    expect(good.ok).toBe(good.sent);
    expect(good.byVersion).toEqual({ '2.0.0': good.sent });

    await fetch(`${base}/_faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    const bad = await runLoad({ url: `${base}/api/v2/status`, rps: 100, durationMs: 300 });
    expect(bad.byStatus).toEqual({ '500': bad.sent });
    expect(bad.byVersion).toEqual({ '2.0.0': bad.sent });
  });
});
