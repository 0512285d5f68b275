/**
 * The CLI against a real control plane: in-process for most commands (fast), and as a
 * subprocess for `up`, exit codes and the admin-token file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-test-admin-token-000000';
const ENTRY = fileURLToPath(new URL('./bin.ts', import.meta.url));

describe('sluice CLI', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;

  const cli = (...args: string[]) => runCli(args, { url, token: ADMIN, cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    server = await createServer(
      configFromEnv({}, { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
    writeFileSync(
      join(dir, 'envs.yaml'),
      'kind: Environment\nmetadata: {name: staging}\nspec: {description: pre-production}\n---\nkind: Environment\nmetadata: {name: qa}\nspec: {}\n',
    );
  });
  afterAll(async () => server?.close());

  it('applies, reads back, audits, re-applies as a no-op and deletes', async () => {
    const applied = await cli('apply', '-f', join(dir, 'envs.yaml'));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Environment\/staging\s+created\s+1/);
    const again = await cli('apply', '-f', join(dir, 'envs.yaml'), '-o', 'json');
    expect(JSON.parse(again.stdout).results.map((r: any) => r.action)).toEqual(['unchanged', 'unchanged']);
    const envs = JSON.parse((await cli('get', 'env', '-o', 'json')).stdout);
    expect(envs.map((e: any) => e.metadata.name)).toEqual(['development', 'production', 'qa', 'staging']);
    const audit = await cli('audit', '--kind', 'Environment', '-o', 'json');
    expect(
      JSON.parse(audit.stdout)
        .filter((e: any) => e.actor === 'admin')
        .map((e: any) => e.name),
    ).toEqual(['qa', 'staging']);
    expect((await cli('delete', 'env', 'qa')).stdout).toMatch(/deleted Environment\/qa/);
    expect((await cli('get', 'env', 'qa')).code).toBe(1);
  });

  it('shows a diff and applies nothing on --dry-run', async () => {
    writeFileSync(
      join(dir, 'changed.yaml'),
      'kind: Environment\nmetadata: {name: staging}\nspec: {description: renamed}\n',
    );
    const diff = await cli('diff', '-f', join(dir, 'changed.yaml'));
    expect(diff.stdout).toContain('- description: pre-production');
    expect(diff.stdout).toContain('+ description: renamed');
    const dry = await cli('apply', '--dry-run', '-f', join(dir, 'changed.yaml'));
    expect(dry.stdout).toMatch(/updated[\s\S]*dry run: nothing was written/);
    expect(JSON.parse((await cli('get', 'env', 'staging', '-o', 'json')).stdout).spec.description).toBe(
      'pre-production',
    );
  });

  it('prints the problem, the file and the bad fields, never a stack trace', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'kind: Environment\nmetadata: {name: Bad_Name}\nspec: {colour: blue}\n',
    );
    const offline = await cli('validate', '-f', join(dir, 'bad.yaml'));
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/bad\.yaml: metadata\.name/);
    expect(offline.stderr).toMatch(/bad\.yaml: spec\.colour: unknown field/);
    expect(offline.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(join(dir, 'broken.yaml'), 'kind: Environment\nmetadata: {name: x\n');
    const syntax = await cli('apply', '-f', join(dir, 'broken.yaml'));
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/broken\.yaml:\d+:\d+/);
    const unknown = await cli('apply', '-f', join(dir, 'bad.yaml'), '--env', 'production');
    expect(unknown.stderr).toMatch(/VALIDATION_FAILED/);
  });

  it('exits 2 on bad usage and creates, lists and revokes tokens', async () => {
    expect((await cli('get')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('get', 'env', '-o', 'xml')).code).toBe(2);
    const created = JSON.parse(
      (await cli('token', 'create', '--subject', 'ci', '--scope', 'write:production', '-o', 'json')).stdout,
    );
    expect(created.token).toMatch(/^slc_/);
    expect((await cli('token', 'list')).stdout).toMatch(/ci\s+write:production/);
    expect((await cli('token', 'revoke', created.id)).stdout).toMatch(/revoked/);
  });

  it('sends bounded load to loopback only, and summarises it', async () => {
    const target = http.createServer((_req, res) => res.writeHead(200, { 'sluice-version': 'v1' }).end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as { port: number }).port;
    try {
      const res = await cli(
        'load',
        '--url',
        `http://127.0.0.1:${port}/`,
        '--rps',
        '40',
        '--duration',
        '500ms',
        '--users',
        '5',
        '-o',
        'json',
      );
      expect(res.code).toBe(0);
      const summary = JSON.parse(res.stdout);
      expect(summary.sent).toBe(20);
      expect(summary.failed).toBe(0);
      expect(summary.byVersion).toEqual({ v1: 20 });
      const refused = await cli('load', '--url', 'http://192.0.2.1/', '--rps', '1', '--duration', '1s');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/loopback/);
      expect((await cli('load', '--url', `http://127.0.0.1:${port}/`, '--duration', 'forever')).code).toBe(2);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });

  it('runs `up` as a process: writes the admin-token file (0600), serves /readyz, stops on SIGTERM', async () => {
    const data = join(dir, 'up-data');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions', 'sluice-source', ENTRY, 'up', '--port', '0', '--data-dir', data],
      {
        env: {
          ...process.env,
          SLUICE_LOG_LEVEL: 'warn',
          SLUICE_ADMIN_TOKEN: '',
          SLUICE_ROUTER_PORT: '0',
          SLUICE_ROUTER_ADMIN_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const upUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /Sluice (http:\/\/\S+)/.exec(out);
        if (m?.[1] && out.includes('Admin token')) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`up exited ${code}: ${out}`)));
    });
    const token = readFileSync(join(data, 'admin-token'), 'utf8').trim();
    expect(out).toMatch(/Router http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(token);
    expect(statSync(join(data, 'admin-token')).mode & 0o777).toBe(0o600);
    expect((await fetch(`${upUrl}/readyz`)).status).toBe(200);
    const whoami = await fetch(`${upUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await whoami.json()) as { scopes: string[] }).scopes).toEqual(['admin']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
