/**
 * `sluice flag`, `segment` and `emergency` in-process against a real control plane, and
 * `sluice up --flags-file` as a process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-flags-admin-token-000000';
const ENTRY = fileURLToPath(new URL('./bin.ts', import.meta.url));

describe('sluice flag, segment and emergency', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;

  const cli = (...args: string[]) => runCli(args, { url, token: ADMIN, cwd: dir });
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-flags-'));
    server = await createServer(
      configFromEnv({}, { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a flag from options, merges a file over it, lists, gets and evaluates it', async () => {
    const created = await cli(
      'flag',
      'set',
      'checkout',
      '--env',
      'production',
      '--variants',
      '{"on":true,"off":false}',
      '--default-variant',
      'off',
    );
    expect(created).toMatchObject({ code: 0, stdout: 'Flag/checkout created (version 1)\n' });
    writeFileSync(
      join(dir, 'checkout.yaml'),
      'targeting:\n  if: [{ends_with: [{var: email}, "@example.com"]}, "on", null]\n',
    );
    const merged = await cli(
      'flag',
      'set',
      'checkout',
      '--env',
      'production',
      '-f',
      join(dir, 'checkout.yaml'),
    );
    expect(merged.stdout).toBe('Flag/checkout updated (version 2)\n');
    expect(
      (await cli('flag', 'set', 'checkout', '--env', 'production', '--state', 'ENABLED')).stdout,
    ).toMatch(/unchanged \(version 2\)/);
    const got = await json('flag', 'get', 'checkout', '--env', 'production');
    expect(got.spec).toMatchObject({
      state: 'ENABLED',
      defaultVariant: 'off',
      variants: { on: true, off: false },
      targeting: { if: expect.any(Array) },
    });
    expect((await cli('flag', 'list', '--env', 'production')).stdout).toMatch(
      /checkout\s+ENABLED\s+off\s+on,off\s+2.*admin\s+never\n/,
    );
    expect(
      await json(
        'flag',
        'eval',
        'checkout',
        '--env',
        'production',
        '--context',
        '{"email":"ann@example.com"}',
      ),
    ).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect((await cli('flag', 'list', '--env', 'production')).stdout).toMatch(/checkout.*admin\s+\d+s ago\n/);
    const missing = await cli('flag', 'eval', 'no-such-flag', '--env', 'production');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/—\s+ERROR\s+FLAG_NOT_FOUND/);
    expect(missing.stderr).toContain('there is no flag "no-such-flag" (environment production)');
    const bad = await cli('flag', 'eval', 'checkout', '--context', '{email: ann}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--context is not valid JSON: .*JSON/);
    expect(
      (await cli('flag', 'set', 'checkout', '--env', 'production', '--default-variant', 'maybe')).stderr,
    ).toMatch(/spec\.defaultVariant/);
  });

  it('kills and unkills with a reason, which is required', async () => {
    expect((await cli('flag', 'kill', 'checkout', '--env', 'production')).code).toBe(2);
    expect(
      (await cli('flag', 'kill', 'checkout', '--env', 'production', '--reason', 'checkout errors')).stdout,
    ).toBe('killed flag checkout in production\n');
    expect((await cli('flag', 'list', '--env', 'production')).stdout).toMatch(
      /checkout\s+ENABLED\s+off\s+on,off\s+yes/,
    );
    const killed = await json(
      'flag',
      'eval',
      'checkout',
      '--env',
      'production',
      '--context',
      '{"email":"ann@example.com"}',
    );
    expect(killed.value).toBe(false);
    expect((await cli('flag', 'kill', 'checkout', '--env', 'production', '--reason', 'again')).code).toBe(1);
    expect((await cli('flag', 'unkill', 'checkout', '--env', 'production', '--reason', 'fixed')).code).toBe(
      0,
    );
  });

  it('schedules a change, lists it and cancels it; reports stale flags', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const s = await json(
      'flag',
      'schedule',
      'checkout',
      '--env',
      'production',
      '--at',
      at,
      '--state',
      'DISABLED',
    );
    expect(s).toMatchObject({ flag: 'checkout', status: 'pending', set: { state: 'DISABLED' } });
    expect((await cli('flag', 'schedule', 'checkout', '--at', at, '--weights', '{on: 1}')).code).toBe(2);
    expect((await cli('flag', 'schedule', 'checkout', '--env', 'production', '--at', at)).code).toBe(2);
    expect((await cli('flag', 'schedules', '--env', 'production')).stdout).toMatch(
      new RegExp(`${s.id}\\s+checkout\\s+\\S+\\s+pending`),
    );
    expect((await cli('flag', 'unschedule', s.id, '--env', 'production')).stdout).toMatch(/^cancelled fsc_/);
    expect(
      (await json('flag', 'schedules', '--env', 'production', '--status', 'cancelled')).map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([s.id]);
    expect((await cli('flag', 'stale', '--env', 'production', '--days', '7')).stdout).toBe(
      'no stale flags in production over 7 days\n',
    );
    expect(await json('flag', 'stale', '--env', 'production')).toEqual([]);
  });

  it('sets, lists, gets and deletes segments', async () => {
    expect((await cli('segment', 'set', 'staff', '--env', 'production')).code).toBe(2);
    expect(
      (
        await cli(
          'segment',
          'set',
          'staff',
          '--env',
          'production',
          '--rule',
          '{"ends_with":[{"var":"email"},"@example.com"]}',
          '--description',
          'employees',
        )
      ).stdout,
    ).toBe('Segment/staff created (version 1)\n');
    expect((await cli('segment', 'list', '--env', 'production')).stdout).toMatch(
      /staff\s+employees\s+\{"ends_with"/,
    );
    expect((await json('segment', 'get', 'staff', '--env', 'production')).spec.description).toBe('employees');
    expect((await cli('segment', 'delete', 'staff', '--env', 'production')).stdout).toMatch(
      /deleted Segment\/staff/,
    );
    expect((await cli('segment', 'get', 'staff', '--env', 'production')).code).toBe(1);
  });

  it('validates and applies a flagd file as flagd loads it; --strict refuses its warnings', async () => {
    const file = join(dir, 'typo.flagd.json');
    const split = {
      fractional: [
        ['on', 10],
        ['of', 90],
      ],
    };
    writeFileSync(
      file,
      JSON.stringify({
        flags: {
          typo: {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: split,
          },
        },
      }),
    );
    const offline = await cli('validate', '-f', file);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(
      /warning\s+\S*typo\.flagd\.json: spec\.targeting\.fractional\[1\]\[0\]: the rule names variant "of"/,
    );
    const strict = await cli('validate', '--strict', '-f', file);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /typo\.flagd\.json: spec\.targeting\.fractional\[1\]\[0\]: the rule names variant "of"/,
    );
    // the same document as a kind: Flag resource is refused offline, without --strict
    const resource = join(dir, 'typo.yaml');
    writeFileSync(
      resource,
      `kind: Flag\nmetadata: {name: typo}\nspec: ${JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: split })}\n`,
    );
    expect((await cli('validate', '-f', resource)).code).toBe(1);

    expect((await cli('apply', '--strict', '-f', file)).code).toBe(1);
    const applied = await cli('apply', '-f', file);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      /warning\s+Flag\/typo: spec\.targeting\.fractional\[1\]\[0\]: the rule names variant "of"/,
    );
  });

  it('stops and clears an environment; the reason is required', async () => {
    expect((await cli('emergency', 'stop', '--env', 'production')).code).toBe(2);
    expect((await cli('emergency', 'stop', '--env', 'production', '--reason', 'incident 42')).stdout).toBe(
      'emergency mode in production: incident 42\n',
    );
    expect(await json('emergency', 'status')).toEqual([
      expect.objectContaining({ environment: 'production', reason: 'incident 42', startedBy: 'admin' }),
    ]);
    expect((await cli('emergency', 'status', '--env', 'development')).stdout).toBe(
      'no environment named development is in emergency mode\n',
    );
    expect((await cli('emergency', 'clear', '--env', 'production')).stdout).toBe(
      'emergency mode cleared in production\n',
    );
    expect((await cli('emergency', 'status')).stdout).toBe('no environment is in emergency mode\n');
  });
});

describe('sluice up --flags-file', () => {
  it('loads the file, and reloads it when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-up-flags-'));
    const file = join(dir, 'flags.json');
    const flags = (defaultVariant: string) =>
      JSON.stringify({
        flags: { banner: { state: 'ENABLED', variants: { red: 'red', blue: 'blue' }, defaultVariant } },
      });
    writeFileSync(file, flags('red'));
    const token = 'up-flags-file-admin-token-0000';
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
        join(dir, 'data'),
        '--flags-file',
        file,
      ],
      {
        env: {
          ...process.env,
          SLUICE_LOG_LEVEL: 'warn',
          SLUICE_ADMIN_TOKEN: token,
          SLUICE_ROUTER_PORT: '0',
          SLUICE_ROUTER_ADMIN_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const upUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /Sluice (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`up exited ${code}: ${out}`)));
      });
      const value = async () => {
        const res = await fetch(`${upUrl}/api/v1/flags/banner/evaluate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"context":{}}',
        });
        return ((await res.json()) as { value?: string }).value;
      };
      expect(await value()).toBe('red');
      writeFileSync(`${file}.tmp`, flags('blue'));
      renameSync(`${file}.tmp`, file);
      // the reload is asynchronous: look until it lands
      await vi.waitFor(async () => expect(await value()).toBe('blue'), { timeout: 5_000, interval: 50 });
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
