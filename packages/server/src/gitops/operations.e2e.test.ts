/**
 * Issue 19's "done when", with real processes: two `sluice up` replicas on one PostgreSQL
 * database; a plan committed to a local git repository is picked up by the GitSource (polled,
 * whichever replica holds its lease), starts, runs, and notifies a local receiver at each step;
 * one replica is SIGKILLed mid-run (and restarted, as its supervisor would). The outcome is
 * the same as without the kill: the run succeeds once, the receiver gets each step exactly once
 * (it drops repeats by Idempotency-Key, as the protocol asks), and the release shows in the
 * history — with the commit — and in the DORA report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { createTestRepository, type TestRepository } from '../test-support/git-repos.js';
import { jsonApi } from '../test-support/http-api.js';
import { type NoticeReceiver, startNoticeReceiver } from '../test-support/notice-receiver.js';
import { type SluiceProcess, startSluiceProcess } from '../test-support/sluice-process.js';

const ADMIN = 'operations-test-admin-token-01';
const SIGNING = 'SLUICE_TEST_OPS_SIGNING';
const SIGNING_VALUE = 'operations-signing-secret';

/** Two flags walked in turn, a few seconds each step: long enough to kill a replica mid-run. */
const planYaml = `name: Git Release
version: 4.2.0
max_duration_hours: 1
stages:
  - name: enable_search
    strategy: feature_flag
    config:
      flag_key: git-search
      progressive_rollout: true
      rollout_stages:
        - {percentage: 25, duration_minutes: 0.05}
        - {percentage: 100, duration_minutes: 0.05}
  - name: enable_cart
    strategy: feature_flag
    dependencies: [enable_search]
    config:
      flag_key: git-cart
      progressive_rollout: true
      rollout_stages:
        - {percentage: 50, duration_minutes: 0.05}
        - {percentage: 100, duration_minutes: 0.05}
`;

describe('operations on two replicas over one PostgreSQL', () => {
  let database: TestDatabase | undefined;
  let repo: TestRepository | undefined;
  let receiver: NoticeReceiver | undefined;
  const replicas: SluiceProcess[] = [];
  const dirs: string[] = [];

  afterAll(async () => {
    for (const r of replicas) await r.kill();
    await receiver?.close();
    await database?.drop();
    repo?.remove();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('picks a committed plan up, runs it, notifies each step once, records it; a SIGKILLed replica changes nothing', async () => {
    database = await createTestDatabase('postgres');
    repo = createTestRepository();
    receiver = await startNoticeReceiver({ secret: SIGNING_VALUE });
    const env = { [SIGNING]: SIGNING_VALUE, SLUICE_NOTIFY_INTERVAL_MS: '200' };
    const db = database;
    replicas.push(
      ...(await Promise.all(
        [0, 1].map((i) => {
          const dataDir = mkdtempSync(join(tmpdir(), `sluice-replica-${i}-`));
          dirs.push(dataDir);
          return startSluiceProcess({ database: db, dataDir, adminToken: ADMIN, env });
        }),
      )),
    );
    const [a, b] = replicas as [SluiceProcess, SluiceProcess];
    const apiA = jsonApi(() => a.url, ADMIN);
    const apiB = jsonApi(() => b.url, ADMIN);

    // the platform team's part, through one replica: where notices go, which repository to follow
    const setup = await apiA('POST', '/api/v1/apply', {
      documents: [
        {
          kind: 'Notifier',
          metadata: { name: 'team-hook' },
          spec: { type: 'webhook', url: receiver.url, signingSecret: { secretRef: SIGNING } },
        },
        {
          kind: 'GitSource',
          metadata: { name: 'plans' },
          spec: {
            url: `file://${repo.bare}`,
            path: 'rollouts',
            interval: '1s',
            environments: ['development'],
            startRollouts: true,
          },
        },
      ],
    });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);

    // the developer's part: commit the plan
    const commit = repo.commit({ 'rollouts/release.yaml': planYaml }, 'release 4.2.0');
    const run = await vi.waitFor(
      async () => {
        const runs = (await apiB('GET', '/api/v1/rollout-runs?environment=development')).body.items;
        expect(runs, 'a run started from the commit').toHaveLength(1);
        return runs[0];
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(run.startedBy).toBe(`gitops:plans@${commit.slice(0, 12)}`);

    // mid-run: kill one replica outright, then bring it back
    await vi.waitFor(
      async () => {
        const r = (await apiB('GET', `/api/v1/rollout-runs/${run.id}`)).body;
        expect(r.stages[0].weight).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 100 },
    );
    await a.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await a.restart();

    const ended = await vi.waitFor(
      async () => {
        const r = (await apiA('GET', `/api/v1/rollout-runs/${run.id}`)).body;
        expect(['succeeded', 'failed', 'rolled_back', 'aborted']).toContain(r.status);
        return r;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(ended.status).toBe('succeeded');
    expect((await apiB('GET', '/api/v1/rollout-runs?environment=development')).body.items).toHaveLength(1);

    const expected = ['rollout.completed', 'rollout.started', 'stage.completed', 'stage.completed'];
    await vi.waitFor(() => expect(receiver?.notices.map((n) => n.body.event).sort()).toEqual(expected), {
      timeout: 20_000,
      interval: 100,
    });
    expect(receiver.notices.every((n) => n.signed && n.body.runId === run.id)).toBe(true);
    expect(
      receiver.notices
        .filter((n) => n.body.event === 'stage.completed')
        .map((n) => n.body.stage)
        .sort(),
    ).toEqual(['enable_cart', 'enable_search']);
    const status = await apiB('GET', '/api/v1/notifiers/team-hook/status');
    expect(status.body.counts).toMatchObject({ pending: 0, dead: 0, delivered: 4 });

    const releases = (await apiB('GET', '/api/v1/releases?environment=development')).body.items;
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      runId: run.id,
      plan: 'Git Release',
      version: '4.2.0',
      status: 'succeeded',
      commit,
      services: ['flag:git-search', 'flag:git-cart'],
    });
    const dora = (await apiA('GET', '/api/v1/reports/dora?since=1d&environment=development')).body;
    expect(dora).toMatchObject({ deployments: 1, failures: 0, changeFailureRate: 0 });
    expect(dora.leadTimeSeconds.samples).toBe(1);
    expect((await apiA('GET', '/api/v1/gitsources/plans/status')).body).toMatchObject({
      status: 'synced',
      commit,
    });
  }, 240_000);
});
