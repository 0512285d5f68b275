/**
 * `sluice gitsource`, `notifier status`, `release list` and `report dora` in-process against a
 * real control plane following a real git repository: a plan committed there starts and ends,
 * its notices wait in the outbox of a notifier that cannot be reached, and a broken commit makes
 * `gitsource sync` fail with the file and line.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-operations-admin-token-00';
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

const plan = `name: Cli Release
version: 1.2.3
max_duration_hours: 1
stages:
  - name: enable
    strategy: feature_flag
    config:
      flag_key: cli-flag
      progressive_rollout: true
      rollout_stages: [{percentage: 100, duration_minutes: 0.01}]
`;

describe('sluice operations commands', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;
  let work: string;
  const cli = (args: string[]) => runCli(args, { url, token: ADMIN, cwd: dir });
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: work, env: GIT_ENV, encoding: 'utf8' }).trim();
  const commit = (file: string, text: string) => {
    mkdirSync(join(work, 'deploy'), { recursive: true });
    writeFileSync(join(work, 'deploy', file), text);
    git('add', '--all');
    git('commit', '--quiet', '-m', file);
    return git('rev-parse', 'HEAD');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-operations-'));
    work = join(dir, 'repo');
    mkdirSync(work);
    git('init', '--quiet', '--initial-branch=main');
    server = await createServer(
      configFromEnv({}, { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs a repository, shows the release, its notices and the DORA figures', async () => {
    const head = commit('release.yaml', plan);
    writeFileSync(
      join(dir, 'ops.yaml'),
      `kind: GitSource
metadata: {name: app}
spec: {url: ${work}, path: deploy, interval: 1h, environments: [development], startRollouts: true}
---
kind: Notifier
metadata: {name: chat}
spec: {type: slack, url: "http://127.0.0.1:9/hook", maxAttempts: 50}
`,
    );
    const applied = await cli(['apply', '-f', join(dir, 'ops.yaml')]);
    expect(applied.code, applied.stderr).toBe(0);
    const synced = await cli(['gitsource', 'sync', 'app']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stderr).toMatch(/^syncing app from /);
    expect(synced.stdout).toContain(`app: synced, commit in force ${head.slice(0, 12)}`);

    await vi.waitFor(
      async () => {
        const list = await cli(['release', 'list', '--env', 'development']);
        expect(list.stdout).toMatch(/Cli Release\s+1\.2\.3\s+succeeded/);
        expect(list.stdout).toContain(head.slice(0, 12));
      },
      { timeout: 20_000, interval: 100 },
    );
    const dora = await cli(['report', 'dora', '--since', '7d', '-o', 'json']);
    expect(JSON.parse(dora.stdout)).toMatchObject({ deployments: 1, changeFailureRate: 0 });
    const text = await cli(['report', 'dora', '--since', '7d']);
    expect(text.stdout).toMatch(/deployment frequency\s+0\.143\/day \(1 in 7 days\)/);

    const notices = await cli(['notifier', 'status']);
    expect(notices.code).toBe(0);
    // nothing listens on port 9: the notices wait, with the reason
    expect(notices.stdout).toMatch(/chat\s+[1-9]\d*\s+0\s+0\s+\S/);
  });

  it('fails a sync of a broken commit with file and line, keeping the last good commit', async () => {
    const good = git('rev-parse', 'HEAD');
    commit('broken.yaml', 'kind: Flag\nmetadata: {name: x\nspec: [\n');
    const res = await cli(['gitsource', 'sync', 'app']);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toContain(`app: failed, commit in force ${good.slice(0, 12)}`);
    expect(res.stdout).toMatch(/deploy\/broken\.yaml:\d+ /);
    const status = await cli(['gitsource', 'status', 'app', '-o', 'json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'failed', commit: good });
  });
});
