/**
 * `sluice up` as a process: its log reads well (one line per API request, flag evaluations
 * summed up rather than logged one by one), and on SQLite the service versions it started stop
 * with it unless --keep-services — and it says which.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDeployProvider } from '@sluice/server/deploy';
import { afterAll, describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('./bin.ts', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../examples/demo-app/server.mjs', import.meta.url));
const ADMIN = 'up-test-admin-token-00000000';
const deploy = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};

interface Up {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

async function up(dataDir: string, args: string[] = []): Promise<Up> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions',
      'sluice-source',
      ENTRY,
      'up',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...args,
    ],
    {
      env: {
        ...process.env,
        SLUICE_ADMIN_TOKEN: ADMIN,
        SLUICE_ROUTER_PORT: '0',
        SLUICE_LOG_FORMAT: 'pretty',
        SLUICE_LOG_LEVEL: 'info',
      },
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /Sluice (http:\/\/\S+)/.exec(out);
      if (m?.[1] && out.includes('On exit')) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`up exited ${code}: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    child,
    url,
    output: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const api = (url: string, method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function startVersion(dataDir: string, version: string): Promise<number> {
  const provider = createDeployProvider(deploy, {
    service: 'hello',
    environment: 'development',
    dataDir,
    secrets: { resolve: () => '' },
  });
  const d = await provider.deploy({ opId: `test/${version}`, version });
  await provider.waitReady(version, { timeoutMs: 20_000 });
  return Number(d.info.pid);
}

const service = {
  kind: 'Service',
  metadata: { name: 'hello' },
  spec: { deploy, traffic: { provider: 'builtin', route: { pathPrefix: '/' } } },
};

describe('sluice up', () => {
  const leftovers: number[] = [];
  afterAll(() => {
    for (const pid of leftovers) if (alive(pid)) process.kill(-pid, 'SIGTERM');
  });

  it('logs one readable line per API request, sums up evaluations, and stops the versions it started', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-up-'));
    const sluice = await up(dataDir);
    expect(sluice.output()).toContain(
      'On exit, Sluice stops the service versions it started on this machine',
    );
    expect((await api(sluice.url, 'POST', '/api/v1/apply', { documents: [service] })).status).toBe(200);
    for (let i = 0; i < 5; i++)
      await api(sluice.url, 'POST', '/ofrep/v1/evaluate/flags/nope', { context: { targetingKey: 'u' } });
    const pid = await startVersion(dataDir, '1.0.0');
    leftovers.push(pid);

    expect(await sluice.stop()).toBe(0);
    const out = sluice.output();
    const applies = out.split('\n').filter((l) => l.includes('/api/v1/apply'));
    expect(applies).toHaveLength(1);
    expect(applies[0]).toMatch(/INFO.*POST \/api\/v1\/apply 200 \d+ms$/);
    expect(out).not.toMatch(/evaluate\/flags\/nope/);
    expect(out).toMatch(/requests in the last \d+s: ofrep 5 \(404×5\)/);
    expect(out).not.toMatch(/^\{"level"/m); // no JSON in pretty mode
    expect(out).toContain('stopped hello (development): 1.0.0');
    expect(alive(pid)).toBe(false);
  });

  it('with --keep-services leaves them running and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-up-'));
    const sluice = await up(dataDir, ['--keep-services']);
    expect(sluice.output()).toContain('keep running');
    await api(sluice.url, 'POST', '/api/v1/apply', { documents: [service] });
    const pid = await startVersion(dataDir, '1.0.0');
    leftovers.push(pid);
    expect(await sluice.stop()).toBe(0);
    expect(sluice.output()).toMatch(
      new RegExp(`left running hello \\(development\\): 1\\.0\\.0 \\(pid ${pid}\\)`),
    );
    expect(alive(pid)).toBe(true);
  });
});
