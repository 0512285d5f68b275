import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessProvider, type ProcessDeploySpec, TAG_VARIABLE, tagOf } from './process.js';
import { isOurProcess, pickPort, splitCommand } from './process-os.js';
import { type DeployContractFixture, describeDeployProviderContract, expectCode } from './provider.case.js';
import type { DeployProvider } from './provider.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo-app/server.mjs', import.meta.url));
const APPS = fileURLToPath(new URL('./test-support/apps.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./test-support/process-child.ts', import.meta.url));
const DEMO_COMMAND = `"${process.execPath}" "${DEMO}" --version {version} --port {port}`;
const app = (mode: string) => `"${process.execPath}" "${APPS}" ${mode} {version} {port}`;
const fastHealth = { endpoint: '/health', retries: 5, interval_seconds: 0.05, timeout_seconds: 2 };

/** Every pid a test started, killed afterwards whatever happened. */
const started = new Set<number>();
const track = (pid: unknown) => {
  if (typeof pid === 'number') started.add(pid);
  return pid;
};
const killAll = () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  started.clear();
};

async function freshDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-deploy-'));
}

function provider(dataDir: string, spec: Partial<ProcessDeploySpec> = {}): DeployProvider {
  return createProcessProvider(
    { provider: 'process', command: DEMO_COMMAND, stopGraceSeconds: 2, ...spec },
    { service: 'api-service', environment: 'production', dataDir, healthCheck: fastHealth },
  );
}

describeDeployProviderContract('process (demo app)', async (): Promise<DeployContractFixture> => {
  const dir = await freshDir();
  const p = provider(dir);
  return {
    provider: p,
    versions: ['1.0.0', '2.0.0'],
    reachable: true,
    retireStops: true,
    close: async () => {
      for (const d of await p.list()) track(d.info.pid);
      killAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('process provider', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await freshDir();
  });
  afterEach(async () => {
    killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts one process for one operation, even when asked twice at once', async () => {
    const p = provider(dir);
    const [a, b] = await Promise.all([
      p.deploy({ opId: 'run/1/deploy', version: '2.0.0' }),
      p.deploy({ opId: 'run/1/deploy', version: '2.0.0' }),
    ]);
    track(a.info.pid);
    expect(a.info.pid).toBe(b.info.pid);
    const again = await p.deploy({ opId: 'run/1/deploy', version: '2.0.0' });
    expect(again.info.pid).toBe(a.info.pid);
    // Another operation for a version that is up gets the running process too.
    expect((await p.deploy({ opId: 'run/2/deploy', version: '2.0.0' })).info.pid).toBe(a.info.pid);
    expect(await p.list()).toHaveLength(1);
  });

  it('refuses an operation id reused for another version', async () => {
    const p = provider(dir);
    track((await p.deploy({ opId: 'run/1/deploy', version: '2.0.0' })).info.pid);
    await expectCode(
      p.deploy({ opId: 'run/1/deploy', version: '3.0.0' }),
      'DEPLOY_OPERATION_CONFLICT',
      'request.opId',
    );
    expect(await p.list()).toHaveLength(1);
  });

  it('re-adopts a running version from the state dir in a new provider instance', async () => {
    const first = provider(dir);
    const d = await first.deploy({ opId: 'run/1/deploy', version: '2.0.0' });
    track(d.info.pid);
    await first.waitReady('2.0.0');
    await first.close();

    const second = provider(dir);
    const adopted = await second.status('2.0.0');
    expect(adopted).toMatchObject({ state: 'ready', upstreams: d.upstreams, info: { pid: d.info.pid } });
    expect((await second.deploy({ opId: 'run/1/deploy', version: '2.0.0' })).info.pid).toBe(d.info.pid);
    expect((await second.list()).map((x) => x.info.pid)).toEqual([d.info.pid]);
    await second.retire({ opId: 'run/1/retire', version: '2.0.0' });
    expect(isOurProcess(d.info.pid as number, null)).toBe(false);
  });

  /** A control plane stand-in in its own process: deploys 2.0.0 and prints the deployment. */
  async function controlPlane(): Promise<{
    deployment: { info: { pid: number }; upstreams: string[] };
    kill(): Promise<void>;
  }> {
    const child = spawn(process.execPath, ['--conditions=sluice-source', '--import', 'tsx', CHILD], {
      env: { ...process.env, DATA_DIR: dir, COMMAND: DEMO_COMMAND, VERSION: '2.0.0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.on('exit', () => reject(new Error(`control plane exited: ${out}${err}`)));
    });
    const deployment = JSON.parse(line);
    track(deployment.info.pid);
    return {
      deployment,
      kill: async () => {
        child.kill('SIGKILL');
        if (child.exitCode === null && child.signalCode === null)
          await new Promise((r) => child.once('exit', r));
      },
    };
  }

  it('starts one process when two control planes deploy the same operation at once', async () => {
    const [a, b] = await Promise.all([controlPlane(), controlPlane()]);
    await Promise.all([a.kill(), b.kill()]);
    expect(a.deployment.info.pid).toBe(b.deployment.info.pid);
  });

  it('keeps versions running when the control plane is SIGKILLed, and the next one adopts them', async () => {
    const cp = await controlPlane();
    const d = cp.deployment;
    await cp.kill();

    const next = createProcessProvider(
      { provider: 'process', command: DEMO_COMMAND },
      { service: 'crash-test', dataDir: dir, healthCheck: fastHealth },
    );
    const adopted = await next.waitReady('2.0.0', { timeoutMs: 10_000 });
    expect(adopted.info.pid).toBe(d.info.pid);
    expect(adopted.upstreams).toEqual(d.upstreams);
    expect((await next.deploy({ opId: 'op/crash', version: '2.0.0' })).info.pid).toBe(d.info.pid);
    const log = await readFile(adopted.info.logFile as string, 'utf8');
    expect(log).toContain('demo app 2.0.0 listening');
  });

  it('adopts a version spawned just before a crash, before its pid was saved', async () => {
    // As if the control plane died between spawn and state write: a tagged process, no record.
    const port = await pickPort('127.0.0.1');
    const stateDir = join(dir, 'deploy/process/production/api-service');
    const orphan = spawn(process.execPath, [DEMO, '--version', '2.0.0', '--port', String(port)], {
      detached: true,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        [TAG_VARIABLE]: tagOf(stateDir, 'run/1/deploy', '2.0.0'),
      },
    });
    track(orphan.pid);
    const p = provider(dir);
    expect(await p.status('2.0.0')).toBeNull();
    const d = await p.deploy({ opId: 'run/1/deploy', version: '2.0.0' });
    expect(d.info).toMatchObject({ pid: orphan.pid, port });
    expect((await p.waitReady('2.0.0')).state).toBe('ready');
    // Another operation's tag is not adopted.
    const other = await p.deploy({ opId: 'run/9/deploy', version: '3.0.0' });
    track(other.info.pid);
    expect(other.info.pid).not.toBe(orphan.pid);
  });

  it('takes over a lock its holder left behind: dead, or killed before it named itself (older versions)', async () => {
    const state = join(dir, 'deploy', 'process', 'production', 'api-service');
    // a lock naming a process that is gone
    await mkdir(join(state, 'state.lock'), { recursive: true });
    await writeFile(join(state, 'state.lock', 'owner'), '2147483646');
    const p = provider(dir);
    track((await p.deploy({ opId: 'run/1/deploy', version: '1.0.0' })).info.pid);
    // a lock without an owner (a control plane killed between taking it and naming itself), a minute old
    await mkdir(join(state, 'state.lock'));
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(state, 'state.lock'), minuteAgo, minuteAgo);
    expect((await p.list()).map((d) => d.version)).toEqual(['1.0.0']);
    await p.retire({ opId: 'run/1/retire', version: '1.0.0' });
    // the lock is never seen without its owner: taking it is one rename of a directory holding it
    expect(await readdir(state)).not.toContain('state.lock');
  });

  it('retires with SIGTERM, and SIGKILL once the grace is over', async () => {
    const p = provider(dir, { command: app('stubborn'), stopGraceSeconds: 0.3 });
    const d = await p.deploy({ opId: 'run/1/deploy', version: '1.0.0' });
    track(d.info.pid);
    await p.waitReady('1.0.0');
    const retired = await p.retire({ opId: 'run/1/retire', version: '1.0.0' });
    expect(retired?.state).toBe('retired');
    expect(isOurProcess(d.info.pid as number, null)).toBe(false);
    expect(await readFile(d.info.logFile as string, 'utf8')).toContain('ignoring SIGTERM');
    expect(await p.list()).toEqual([]);
  });

  it('finishes a retire that a crash interrupted when it is repeated', async () => {
    const slow = provider(dir, { command: app('stubborn'), stopGraceSeconds: 60 });
    const d = await slow.deploy({ opId: 'run/1/deploy', version: '1.0.0' });
    track(d.info.pid);
    await slow.waitReady('1.0.0');
    const first = slow.retire({ opId: 'run/1/retire', version: '1.0.0' });
    for (let i = 0; i < 200 && (await slow.status('1.0.0'))?.state !== 'retired'; i++)
      await new Promise((r) => setTimeout(r, 10));
    // The process still runs (it ignores SIGTERM); the next control plane repeats the retire.
    expect(isOurProcess(d.info.pid as number, null)).toBe(true);
    const next = provider(dir, { command: app('stubborn'), stopGraceSeconds: 0.2 });
    expect((await next.retire({ opId: 'run/1/retire', version: '1.0.0' }))?.state).toBe('retired');
    expect(isOurProcess(d.info.pid as number, null)).toBe(false);
    expect((await first)?.state).toBe('retired');
  });

  it('reports a crashed version as failed, and a new operation starts it again', async () => {
    const p = provider(dir);
    const d = await p.deploy({ opId: 'run/1/deploy', version: '2.0.0' });
    track(d.info.pid);
    await p.waitReady('2.0.0');
    process.kill(d.info.pid as number, 'SIGKILL');
    for (let i = 0; i < 100 && isOurProcess(d.info.pid as number, null); i++)
      await new Promise((r) => setTimeout(r, 20));

    const dead = await p.status('2.0.0');
    expect(dead?.state).toBe('failed');
    expect(dead?.detail).toContain(`process ${d.info.pid} is not running`);
    await expectCode(p.waitReady('2.0.0'), 'DEPLOY_FAILED');
    // The same operation replayed does not start a second process; it reports what happened.
    await expectCode(p.deploy({ opId: 'run/1/deploy', version: '2.0.0' }), 'DEPLOY_FAILED');
    const again = await p.deploy({ opId: 'run/2/deploy', version: '2.0.0' });
    track(again.info.pid);
    expect(again.info.pid).not.toBe(d.info.pid);
    expect((await p.waitReady('2.0.0')).state).toBe('ready');
  });

  it('fails a version whose command exits at once, with the end of its log', async () => {
    const p = provider(dir, {
      command: `"${process.execPath}" -e "console.error('boom: bad config'); process.exit(3)"`,
    });
    const err = await p.deploy({ opId: 'run/1/deploy', version: '1.0.0' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPLOY_FAILED' });
    expect(String((err as Error).message)).toContain('boom: bad config');
  });

  it('fails a command that does not exist as DEPLOY_FAILED', async () => {
    const p = provider(dir, { command: '/nonexistent/sluice-binary {port}' });
    await expectCode(p.deploy({ opId: 'run/1/deploy', version: '1.0.0' }), 'DEPLOY_FAILED');
  });

  it('picks another port when the chosen one was taken meanwhile (EADDRINUSE)', async () => {
    const marker = join(dir, 'flaky-marker');
    const p = provider(dir, { command: `${app('flaky')} "${marker}"` });
    const d = await p.deploy({ opId: 'run/1/deploy', version: '1.0.0' });
    track(d.info.pid);
    expect((await p.waitReady('1.0.0')).state).toBe('ready');
    const log = await readFile(d.info.logFile as string, 'utf8');
    expect(log).toContain('EADDRINUSE');
    expect(log).toContain(`listening on ${d.info.port}`);
  });

  it('times out waiting for a version whose health check never passes', async () => {
    const p = provider(dir, { command: app('sick') });
    const d = await p.deploy({ opId: 'run/1/deploy', version: '1.0.0' });
    track(d.info.pid);
    expect(d.state).toBe('starting');
    await expectCode(p.waitReady('1.0.0', { timeoutMs: 400 }), 'DEPLOY_TIMEOUT');
  });

  it('does not pass the control plane environment on, only what the spec and request say', async () => {
    process.env.SLUICE_TEST_SECRET = 'do-not-leak';
    try {
      const script =
        'console.log(JSON.stringify({s: process.env.SLUICE_TEST_SECRET ?? null, a: process.env.A, b: process.env.B, port: process.env.PORT}))';
      const p = provider(dir, {
        command: `"${process.execPath}" -e "${script}"`,
        env: { A: 'from-spec' },
        startTimeoutSeconds: 0.5,
      });
      const err = await p
        .deploy({ opId: 'run/1/deploy', version: '1.0.0', env: { B: 'from-request' } })
        .catch((e: unknown) => e);
      const log = await readFile(join(dir, 'deploy/process/production/api-service/logs/1.0.0.log'), 'utf8');
      const seen = JSON.parse(log.trim().split('\n')[0] as string);
      expect(seen).toMatchObject({ s: null, a: 'from-spec', b: 'from-request' });
      expect(Number(seen.port)).toBeGreaterThan(0);
      expect(err).toMatchObject({ code: 'DEPLOY_FAILED' }); // it exited: not a running version
    } finally {
      delete process.env.SLUICE_TEST_SECRET;
    }
  });
});

describe('process provider input', () => {
  it('refuses a service or environment name that could leave the data dir', () => {
    const spec = { provider: 'process', command: 'x' } as const;
    expect(() => createProcessProvider(spec, { service: '../etc', dataDir: tmpdir() })).toThrowError(
      /service:/,
    );
    expect(() =>
      createProcessProvider(spec, { service: 'api', environment: 'a/b', dataDir: tmpdir() }),
    ).toThrowError(/environment:/);
  });
});

describe('splitCommand', () => {
  it('splits like a shell without running one', () => {
    expect(splitCommand(`node  a.mjs --x "two words" 'it''s' a\\ b "q\\"q" ; rm -rf /`)).toEqual([
      'node',
      'a.mjs',
      '--x',
      'two words',
      'its',
      'a b',
      'q"q',
      ';',
      'rm',
      '-rf',
      '/',
    ]);
    expect(splitCommand('"unterminated')).toBeNull();
    expect(splitCommand('  ')).toEqual([]);
    expect(splitCommand(`x ""`)).toEqual(['x', '']);
  });
});
