/** `sluice rollout …` against a real control plane, and `simulate` offline on the seed plan. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-rollout-admin-token-0000';
const examples = fileURLToPath(new URL('../../../examples/rollouts/', import.meta.url));

describe('sluice rollout', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { url, token: ADMIN, cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-rollout-'));
    server = await createServer(
      configFromEnv({}, { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
  });
  afterAll(async () => server?.close());

  it('starts a plan from a file, shows what it waits for, takes an approval from another subject, and aborts', async () => {
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({
        name: 'Checkout Flag',
        version: '1.0.0',
        stages: [
          {
            name: 'enable',
            strategy: 'feature_flag',
            config: {
              flag_key: 'checkout',
              progressive_rollout: true,
              rollout_stages: [{ percentage: 10, duration_minutes: 60 }],
            },
            gates: [{ type: 'manual', required_approvers: ['product_manager'] }],
          },
        ],
      }),
    );
    const started = await cli('rollout', 'start', '-f', join(dir, 'plan.json'), '-o', 'json');
    expect(started.code).toBe(0);
    const id = JSON.parse(started.stdout).id;
    const status = await vi.waitFor(
      async () => {
        const out = (await cli('rollout', 'status', 'checkout-flag')).stdout;
        expect(out).toContain('waiting: approval');
        return out;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(status).toMatch(/enable\s+feature_flag\s+gating/);
    expect(status).toMatch(/product_manager/);

    const pm = (
      await cli(
        'token',
        'create',
        '--subject',
        'pat',
        '--scope',
        'write',
        '--role',
        'product_manager',
        '-o',
        'json',
      )
    ).stdout;
    const approved = await cli(
      '--token',
      JSON.parse(pm).token,
      'rollout',
      'approve',
      id,
      '--stage',
      'enable',
    );
    expect(approved.code).toBe(0);
    const aborted = await cli('rollout', 'abort', 'checkout-flag', '--reason', 'enough');
    expect(aborted.stdout).toMatch(/abort: .* is (rolling_back|aborted)/);
    const waited = await cli('rollout', 'wait', id, '--timeout', '20');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/aborted/);
    const history = await cli('rollout', 'history', id);
    expect(history.stdout).toMatch(/approve/);
    expect(history.stdout).toMatch(/abort/);
    // looked for in the wrong environment: it says where it looked, and where the runs are
    const elsewhere = await cli('rollout', 'status', 'checkout-flag', '--env', 'production');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(
      'in environment "production"; it has runs in development: add --env development',
    );
    expect((await cli('rollout', 'history', '--help')).stdout).toMatch(/a run's events, oldest first/);
  });

  it('simulates the seed plan in virtual time and exits non-zero when a scenario fails', async () => {
    const ok = await cli(
      'rollout',
      'simulate',
      '-f',
      join(examples, 'progressive-deployment.json'),
      '--scenario',
      join(examples, 'healthy.scenario.yaml'),
    );
    expect(ok.stdout).toMatch(/result: succeeded/);
    expect(ok.code).toBe(0);
    const bad = await cli(
      'rollout',
      'simulate',
      '-f',
      join(examples, 'progressive-deployment.json'),
      '--scenario',
      join(examples, 'bad-canary.scenario.yaml'),
    );
    expect(bad.stdout).toMatch(/result: rolled_back/);
    expect(bad.code).toBe(1);
  });
});
