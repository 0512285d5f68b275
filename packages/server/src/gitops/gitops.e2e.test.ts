/**
 * GitOps against real repositories the test makes (git init --bare, commits, pushes): over a
 * local path and over http through `git http-backend` on loopback. A new commit applies as one
 * transaction and is recorded on what it wrote; a broken commit applies nothing and says file,
 * line and reason while the last good commit stays in force; a force-push is followed; a
 * source cannot write outside its environments; drift is reported, then reverted; the sync
 * endpoint takes an admin token or the source's HMAC signature. (ssh is not supported by this
 * build: isomorphic-git has no ssh transport; the kind refuses ssh URLs.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../deploy/signature.js';
import { DIALECTS } from '../test-support/databases.js';
import { createTestRepository, startGitHttpServer, type TestRepository } from '../test-support/git-repos.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const WEBHOOK_SECRET = 'SLUICE_TEST_GITOPS_WEBHOOK';
process.env[WEBHOOK_SECRET] = 'gitops-webhook-secret';

const flagYaml = (name: string, variant: 'on' | 'off') => `kind: Flag
metadata: {name: ${name}, environment: development}
spec:
  state: ENABLED
  variants: {on: true, off: false}
  defaultVariant: ${variant}
`;

describe.each(DIALECTS)('GitOps on %s', (dialect) => {
  let t: TestServer;
  let repo: TestRepository;
  let http: { url: string; close(): Promise<void> };
  const source = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
    kind: 'GitSource',
    metadata: { name },
    spec: { url, branch: 'main', path: 'deploy', interval: '1h', environments: ['development'], ...extra },
  });
  const sync = (name: string) => t.request('POST', `/api/v1/gitsources/${name}/sync`);
  const flag = async (name: string) =>
    (await t.request('GET', `/api/v1/flags/${name}?environment=development`)).body;

  beforeAll(async () => {
    repo = createTestRepository();
    http = await startGitHttpServer(repo.root);
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await http?.close();
    repo?.remove();
  });

  it('is admin-only and refuses ssh with a reason', async () => {
    const writer = await t.token(['write']);
    const res = await t.request('POST', '/api/v1/apply', {
      token: writer,
      body: { documents: [source('x', repo.bare)] },
    });
    expect(res.status).toBe(403);
    const ssh = await t.request('POST', '/api/v1/apply', {
      body: { documents: [source('x', 'ssh://git@example.invalid/app.git')] },
    });
    expect(ssh.status).toBe(400);
    expect(JSON.stringify(ssh.body.errors)).toMatch(/ssh is not supported/);
  });

  it('applies commits from a local repository, keeps the last good one through a broken commit, follows a force-push', async () => {
    const first = repo.commit(
      { 'deploy/flags.yaml': flagYaml('git-flag', 'off'), 'README.md': '# app' },
      'first',
    );
    expect(
      (await t.request('POST', '/api/v1/apply', { body: { documents: [source('local', repo.bare)] } }))
        .status,
    ).toBe(200);
    const synced = await sync('local');
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({ status: 'synced', commit: first, problems: [] });
    expect((await flag('git-flag')).metadata.updatedBy).toBe(`gitops:local@${first.slice(0, 12)}`);
    const audit = await t.request('GET', '/api/v1/audit?kind=Flag&name=git-flag');
    expect(JSON.stringify(audit.body)).toContain(`gitops:local@${first.slice(0, 12)}`);

    // a broken commit: a YAML error on line 3 of one file, and a good change in another
    const broken = repo.commit(
      {
        'deploy/more.yaml': flagYaml('git-flag-2', 'on'),
        'deploy/flags.yaml': 'kind: Flag\nmetadata: {name: x\nspec: [\n',
      },
      'broken',
    );
    const failed = (await sync('local')).body;
    expect(failed).toMatchObject({ status: 'failed', commit: first, attemptedCommit: broken });
    expect(failed.problems[0]).toMatchObject({ file: 'deploy/flags.yaml' });
    expect(failed.problems[0].line).toBeGreaterThan(1);
    expect((await t.request('GET', '/api/v1/flags/git-flag-2?environment=development')).status).toBe(404);

    // a document for an environment the source may not write: nothing of the commit applies
    const outside = repo.commit(
      {
        'deploy/flags.yaml': flagYaml('git-flag', 'on'),
        'deploy/prod.yaml': flagYaml('prod-flag', 'on').replace('development', 'production'),
      },
      'outside',
    );
    const refused = (await sync('local')).body;
    expect(refused).toMatchObject({ status: 'failed', commit: first, attemptedCommit: outside });
    expect(refused.problems[0]).toMatchObject({ file: 'deploy/prod.yaml', line: 1 });
    expect(refused.problems[0].reason).toMatch(/production/);
    expect((await flag('git-flag')).spec.defaultVariant).toBe('off');

    // history rewritten: back to the first commit, then a new one, force-pushed
    repo.rewind(2);
    const rewritten = repo.commit({ 'deploy/flags.yaml': flagYaml('git-flag', 'on') }, 'rewritten', {
      force: true,
    });
    const after = (await sync('local')).body;
    expect(after).toMatchObject({ status: 'synced', commit: rewritten, problems: [] });
    expect((await flag('git-flag')).spec.defaultVariant).toBe('on');
    // the broken commit's other file went with the history that was rewritten
    expect((await t.request('GET', '/api/v1/flags/git-flag-2?environment=development')).status).toBe(404);
  });

  it('H3: starts no run from git that would write outside the source’s environments', async () => {
    const xenv = createTestRepository();
    try {
      xenv.commit(
        {
          'deploy/release.yaml': `name: Git Xenv
version: 1.0.0
stages:
  - name: flip
    strategy: feature_flag
    config: {flag_key: git-xenv, environment: production}
`,
        },
        'cross-environment stage',
      );
      const doc = source('xenv', xenv.bare, { startRollouts: true });
      expect((await t.request('POST', '/api/v1/apply', { body: { documents: [doc] } })).status).toBe(200);
      expect((await sync('xenv')).body.status).toBe('synced');
      const runs = await t.request('GET', '/api/v1/rollout-runs?environment=development&rollout=git-xenv');
      expect(runs.body.items).toEqual([]);
      expect((await t.request('GET', '/api/v1/flags/git-xenv?environment=production')).status).toBe(404);
    } finally {
      xenv.remove();
    }
  });

  it('reports drift, and reverts it when the source says so', async () => {
    const current = await flag('git-flag');
    const put = await t.request('PUT', '/api/v1/flags/git-flag?environment=development', {
      body: {
        kind: 'Flag',
        metadata: { name: 'git-flag' },
        spec: { ...current.spec, defaultVariant: 'off' },
      },
    });
    expect(put.status).toBe(200);
    const warned = (await sync('local')).body;
    expect(warned.drift).toEqual(['Flag/development/git-flag: changed by admin']);
    expect((await flag('git-flag')).spec.defaultVariant).toBe('off');
    const revert = source('local', repo.bare, { drift: 'revert' });
    expect((await t.request('POST', '/api/v1/apply', { body: { documents: [revert] } })).status).toBe(200);
    const reverted = (await sync('local')).body;
    expect(reverted.drift[0]).toMatch(/reverted/);
    expect((await flag('git-flag')).spec.defaultVariant).toBe('on');
  });

  it('fetches over http from git http-backend, and takes a signed sync without a token', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const remote = source('remote', `${http.url}/origin.git`, {
      webhookSecret: { secretRef: WEBHOOK_SECRET },
    });
    expect((await t.request('POST', '/api/v1/apply', { body: { documents: [remote] } })).status).toBe(200);
    const unsigned = await t.request('POST', '/api/v1/gitsources/remote/sync', { token: null });
    expect(unsigned.status).toBe(401);
    const ts = Math.floor(Date.now() / 1000);
    const signed = await t.request('POST', '/api/v1/gitsources/remote/sync', {
      token: null,
      headers: {
        'sluice-timestamp': String(ts),
        'sluice-signature': signBody(process.env[WEBHOOK_SECRET] as string, ts, 'remote'),
      },
    });
    expect(signed.status).toBe(200);
    expect(signed.body, JSON.stringify(signed.body)).toMatchObject({ status: 'synced', commit: head });
    const status = await t.request('GET', '/api/v1/gitsources/remote/status');
    expect(status.body.commit).toBe(head);
  });
});
