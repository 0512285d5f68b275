/**
 * The CLI finds its server and token from any folder: --url/--token, SLUICE_URL/SLUICE_TOKEN,
 * the per-user config `sluice login` writes, then ./.sluice — and a token only goes to its own
 * server.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'login-test-admin-token-0000';

describe('where the CLI connects', () => {
  let server: SluiceServer;
  let url: string;
  let home: string;
  let elsewhere: string;
  const env = () => ({ XDG_CONFIG_HOME: join(home, '.config') });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, cwd = elsewhere) =>
    runCli(args, { env: { ...env(), ...extra }, cwd });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sluice-home-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'sluice-elsewhere-'));
    server = await createServer(
      configFromEnv({}, { dataDir: join(home, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
  });
  afterAll(async () => server?.close());

  it('without anything to go on, says how to log in', async () => {
    const out = await cli(['env', 'list'], { SLUICE_URL: url });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`sluice login ${url} --token`);
  });

  it('login checks the token, saves a context readable by its owner only, and works from any folder', async () => {
    const bad = await cli(['login', url, '--token', 'not-a-token-at-all']);
    expect(bad.code).toBe(1);
    const file = join(home, '.config', 'sluice', 'config.json');
    expect(() => statSync(file)).toThrow();

    const ok = await cli(['login', url, '--token', ADMIN, '--name', 'laptop']);
    expect(ok.stdout).toContain('as admin');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      current: 'laptop',
      contexts: { laptop: { url, token: ADMIN } },
    });
    const listed = await cli(['env', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('production');
    expect((await cli(['context'])).stdout).toMatch(new RegExp(`\\*\\s+laptop\\s+${url}`));
  });

  it('lets SLUICE_TOKEN and --token win over the saved context', async () => {
    // -q prints the secret alone, for scripts
    const reader = (
      await cli(['token', 'create', '--subject', 'reader', '--scope', 'read', '-q'])
    ).stdout.trim();
    expect(reader).toMatch(/^\S{16,}$/);
    const viaEnv = await cli(['token', 'create', '--subject', 'x', '--scope', 'read'], {
      SLUICE_TOKEN: reader,
    });
    expect(viaEnv.code).toBe(1); // a read token may not create tokens: the env's token was used
    const viaFlag = await cli(['--token', reader, 'env', 'list']);
    expect(viaFlag.code).toBe(0);
  });

  it("never sends a context's token to another server", async () => {
    const other = await cli(['env', 'list'], { SLUICE_URL: 'http://127.0.0.1:9' });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('did not answer');
    // the unreachable server was not handed the laptop token: the hint says there was none
    const bogus = await cli(['--url', url.replace('127.0.0.1', 'localhost'), 'env', 'list']);
    expect(bogus.stderr).toContain('no token');
  });

  it('falls back to ./.sluice, the admin token of the server on this machine', async () => {
    const project = mkdtempSync(join(tmpdir(), 'sluice-project-'));
    mkdirSync(join(project, '.sluice'));
    writeFileSync(join(project, '.sluice', 'admin-token'), `${ADMIN}\n`);
    writeFileSync(join(project, '.sluice', 'url'), `${url}\n`);
    const fresh = { XDG_CONFIG_HOME: join(project, 'no-config') };
    const out = await runCli(['env', 'list'], { env: fresh, cwd: project });
    expect(out.code).toBe(0);
    // from another folder the same command has no token
    expect((await runCli(['env', 'list'], { env: fresh, cwd: elsewhere })).code).toBe(1);
  });

  it('logout forgets the context', async () => {
    expect((await cli(['logout'])).stdout).toContain('forgot context "laptop"');
    expect((await cli(['env', 'list'], { SLUICE_URL: url })).code).toBe(1);
  });
});
