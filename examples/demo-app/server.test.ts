import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

interface App {
  child: ChildProcess;
  base: string;
  stderr: () => string;
}

async function startApp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<App> {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`demo app exited with ${code}: ${err}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, stderr: () => err };
}

async function stopApp(app: App): Promise<number | null> {
  if (app.child.exitCode !== null) return app.child.exitCode;
  const exited = once(app.child, 'exit');
  app.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

const postFaults = (app: App, body: unknown) =>
  fetch(`${app.base}/_faults`, { method: 'POST', body: JSON.stringify(body) });

describe('demo app', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(['--version', '2.0.0']);
  });
  afterAll(async () => {
    await stopApp(app);
  });
  afterEach(async () => {
    await postFaults(app, { errorRate: 0, latencyMs: 0, latencyJitterMs: 0 });
  });

  it('passes the seed smoke tests (/health and /api/v2/status answer 200)', async () => {
    for (const endpoint of ['/health', '/api/v2/status']) {
      const res = await fetch(`${app.base}${endpoint}`);
      expect(res.status, endpoint).toBe(200);
      expect(res.headers.get('sluice-demo-version')).toBe('2.0.0');
      expect(await res.json()).toMatchObject({ status: 'ok', version: '2.0.0' });
    }
  });

  it('serves an HTML page showing its version', async () => {
    const res = await fetch(`${app.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('v2.0.0');
  });

  it('refuses bad fault settings naming the field, and changes nothing', async () => {
    const before = await (await fetch(`${app.base}/_faults`)).json();
    for (const [body, field] of [
      [{ errorRate: 1.5 }, 'errorRate'],
      [{ latencyMs: -1 }, 'latencyMs'],
      [{ latencyJitterMs: 'x' }, 'latencyJitterMs'],
      [{ conversionRate: 2 }, 'conversionRate'],
      [{ nope: 1 }, 'nope'],
      [[1], '$'],
    ] as const) {
      const res = await postFaults(app, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field });
    }
    const bad = await fetch(`${app.base}/_faults`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
    expect(await (await fetch(`${app.base}/_faults`)).json()).toEqual(before);
  });

  it('applies an error rate at run time, leaving /health truthful', async () => {
    const set = await postFaults(app, { errorRate: 1 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ errorRate: 1 });
    for (let i = 0; i < 5; i++) expect((await fetch(`${app.base}/api/v2/status`)).status).toBe(500);
    expect((await fetch(`${app.base}/health`)).status).toBe(200);
    await postFaults(app, { errorRate: 0 });
    expect((await fetch(`${app.base}/api/v2/status`)).status).toBe(200);
  });

  it('adds the configured latency', async () => {
    await postFaults(app, { latencyMs: 150 });
    expect(await (await fetch(`${app.base}/_faults`)).json()).toMatchObject({ latencyMs: 150 });
    const t0 = performance.now();
    expect((await fetch(`${app.base}/api/v2/status`)).status).toBe(200);
    // A lower bound is behaviour (the app waited), not a timing assertion about the machine.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('exits cleanly on SIGTERM', async () => {
    const other = await startApp(['--version', '9.9.9']);
    expect(await stopApp(other)).toBe(0);
  });

  it('refuses to start without a version', async () => {
    await expect(startApp([])).rejects.toThrow(/--version is required/);
  });
});

describe('demo app events', () => {
  const batches: Array<{ auth: string | undefined; body: { events: Array<Record<string, unknown>> } }> = [];
  let sink: http.Server;
  let sinkUrl: string;
  beforeAll(async () => {
    sink = http.createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      batches.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
      res.writeHead(202).end();
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/v1/events`;
  });
  afterAll(() => new Promise<void>((r) => sink.close(() => r())));

  const allEvents = () => batches.flatMap((b) => b.body.events);
  async function waitFor(pred: () => boolean) {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 100));
  }

  it('posts page views, conversions and bounces for identified users, in batches', async () => {
    const app = await startApp(['--version', '3.1.0', '--events-url', sinkUrl, '--events-token', 'tok']);
    try {
      await postFaults(app, { bounceRate: 0, conversionRate: 1 });
      await fetch(`${app.base}/`, { headers: { 'x-user-id': 'alice' } });
      await fetch(`${app.base}/`, { headers: { cookie: 'a=b; sluice_uid=bob' } });
      await fetch(`${app.base}/`); // anonymous: no events
      await postFaults(app, { bounceRate: 1 });
      await fetch(`${app.base}/`, { headers: { 'x-user-id': 'carol' } });
      await waitFor(() => allEvents().length >= 6);
      const events = allEvents();
      expect(batches.every((b) => b.auth === 'Bearer tok')).toBe(true);
      const summary = events.map((e) => `${e.user}:${e.name}`).sort();
      expect(summary).toEqual([
        'alice:conversion',
        'alice:page_view',
        'bob:conversion',
        'bob:page_view',
        'carol:bounce',
        'carol:page_view',
      ]);
      for (const e of events) {
        expect(e).toMatchObject({ version: '3.1.0' });
        expect(typeof e.id).toBe('string');
        expect(Number.isNaN(Date.parse(String(e.time)))).toBe(false);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    } finally {
      await stopApp(app);
    }
  });

  it('spreads bounces and conversions evenly, so a short window shows the configured rates', async () => {
    batches.length = 0;
    // the events address can come from the environment, as a deploy provider passes it
    const app = await startApp(['--version', '4.0.0'], {
      SLUICE_EVENTS_URL: sinkUrl,
      SLUICE_EVENTS_FLUSH_MS: '100',
    });
    try {
      await postFaults(app, { bounceRate: 0.2, conversionRate: 0.5 });
      for (let i = 0; i < 50; i++) await fetch(`${app.base}/`, { headers: { 'x-user-id': `u${i}` } });
      await waitFor(() => allEvents().filter((e) => e.name === 'page_view').length >= 50);
      await waitFor(() => allEvents().length >= 80);
      const count = (name: string) => allEvents().filter((e) => e.name === name).length;
      expect(count('page_view')).toBe(50);
      expect(count('bounce')).toBe(10);
      // half of the 40 page views that did not bounce
      expect(count('conversion')).toBe(20);
    } finally {
      await stopApp(app);
    }
  });

  it('started by Sluice with a token file, reports to the control plane it was told about', async () => {
    batches.length = 0;
    const dir = mkdtempSync(join(tmpdir(), 'demo-token-'));
    writeFileSync(join(dir, 'events.token'), 'file-token\n');
    const app = await startApp(['--version', '5.0.0', '--events-token-file', join(dir, 'events.token')], {
      SLUICE_URL: sinkUrl.replace('/api/v1/events', ''),
      SLUICE_ENVIRONMENT: 'production',
      SLUICE_EVENTS_FLUSH_MS: '100',
    });
    try {
      await fetch(`${app.base}/`, { headers: { 'x-user-id': 'dora' } });
      await waitFor(() => allEvents().length >= 2);
      expect(batches[0]?.auth).toBe('Bearer file-token');
      expect(allEvents().map((e) => e.user)).toContain('dora');
    } finally {
      await stopApp(app);
    }
    await expect(startApp(['--version', '1.0.0', '--events-token-file', join(dir, 'nope')])).rejects.toThrow(
      /--events-token-file: cannot read/,
    );
  });

  it('refuses a flush interval out of range, naming the option', async () => {
    await expect(startApp(['--version', '1.0.0', '--events-flush-ms', '5'])).rejects.toThrow(
      /--events-flush-ms/,
    );
  });

  it('keeps serving when the events endpoint is away, and logs the failure', async () => {
    const app = await startApp(['--version', '1.0.0', '--events-url', 'http://127.0.0.1:9/api/v1/events']);
    try {
      expect((await fetch(`${app.base}/`, { headers: { 'x-user-id': 'dave' } })).status).toBe(200);
      await waitFor(() => app.stderr().includes('events:'));
      expect(app.stderr()).toMatch(/events: post to .* failed/);
      expect((await fetch(`${app.base}/health`)).status).toBe(200);
    } finally {
      expect(await stopApp(app)).toBe(0);
    }
  });
});
