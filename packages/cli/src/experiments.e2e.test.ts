/** `sluice experiment …` and `sluice stats …` in-process against a real control plane. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-experiments-admin-token-00';
const SEED = fileURLToPath(new URL('../../../examples/experiments/experiments.json', import.meta.url));

describe('sluice experiment and stats', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;
  const cli = (args: string[], stdin?: string) =>
    runCli(args, { url, token: ADMIN, cwd: dir, ...(stdin !== undefined ? { stdin } : {}) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-experiments-'));
    server = await createServer(
      configFromEnv({}, { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, embeddedRouter: false }),
    );
    url = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the seed's experiments, lists them, shows results as a table and as JSON", async () => {
    expect((await cli(['apply', '-f', SEED])).code).toBe(0);
    const list = await cli(['experiment', 'list']);
    expect(list.stdout).toMatch(
      /checkout-flow-redesign\s+active\s+control 50%, variant_a 50%\s+conversion_rate/,
    );
    const table = await cli(['experiment', 'results', 'product-page-layout']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/verdict: KEEP RUNNING — /);
    expect(table.stdout).toMatch(/click_through_rate \*\s+variant_b/);
    const json = JSON.parse(
      (await cli(['experiment', 'results', 'product-page-layout', '-o', 'json'])).stdout,
    );
    expect(json.arms.map((a: { arm: string }) => a.arm)).toEqual(['control', 'variant_a', 'variant_b']);
    const stopped = await cli(['experiment', 'stop', 'product-page-layout']);
    expect(stopped.stdout).toBe('experiment product-page-layout: stopped\n');
    const split = JSON.parse(
      (await cli(['experiment', 'get', 'checkout-flow-redesign', '-o', 'json'])).stdout,
    );
    split.spec.traffic_split = { control: 10, variant_a: 90 };
    writeFileSync(
      join(dir, 'split.json'),
      JSON.stringify({ kind: 'Experiment', metadata: { name: 'checkout-flow-redesign' }, spec: split.spec }),
    );
    const refused = await cli(['apply', '-f', join(dir, 'split.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/40 % of the users in the experiment would switch arm/);
    expect((await cli(['apply', '-f', join(dir, 'split.json'), '--confirm'])).code).toBe(0);
  });

  it('runs a calculator from a file or standard input; bad input names the field', async () => {
    const input = {
      control: { users: 1000, conversions: 100 },
      treatment: { users: 1000, conversions: 125 },
    };
    writeFileSync(join(dir, 'p.json'), JSON.stringify(input));
    const fromFile = JSON.parse(
      (await cli(['stats', 'proportions', '--input', join(dir, 'p.json'), '-o', 'json'])).stdout,
    );
    expect(fromFile).toMatchObject({ controlRate: 0.1, treatmentRate: 0.125 });
    const fromStdin = await cli(
      ['stats', 'sample-size', '--input', '-'],
      JSON.stringify({ baselineRate: 0.2, minimumDetectableEffect: 0.05, effectType: 'absolute' }),
    );
    expect(fromStdin.stdout).toMatch(/^usersPerVariant: 1031$/m);
    const bad = await cli(
      ['stats', 'proportions', '--input', '-'],
      JSON.stringify({ ...input, treatment: { users: 10, conversions: 11 } }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/body\.treatment\.conversions/);
  });

  it('marks the CUPED rows of an experiment with a pre-period', async () => {
    const spec = {
      status: 'active',
      traffic_split: { control: 50, variant_a: 50 },
      metrics: { primary: 'pages_per_user' },
      duration_days: 7,
      min_sample_size: 10,
      cuped: { pre_period_days: 7 },
    };
    writeFileSync(
      join(dir, 'cuped.json'),
      JSON.stringify({ kind: 'Experiment', metadata: { name: 'cuped-pages' }, spec }),
    );
    expect((await cli(['apply', '-f', join(dir, 'cuped.json')])).code).toBe(0);
    const now = Date.now();
    const at = (ms: number) => new Date(now - ms).toISOString();
    const events = [];
    for (let i = 0; i < 40; i++) {
      const user = `cli-cuped-${i}`;
      // views before exposure (plain events) and after it follow the same per-user level
      const level = 1 + (i % 5) + (i % 3);
      for (let k = 0; k < level; k++)
        events.push({ id: `${user}-p${k}`, user, name: 'page_view', version: '1', time: at(86_400_000 + k) });
      events.push({ id: `${user}-x`, user, name: 'exposure', experiment: 'cuped-pages', time: at(60_000) });
      for (let k = 0; k < level + (i % 2); k++)
        events.push({ id: `${user}-a${k}`, user, name: 'page_view', experiment: 'cuped-pages', time: at(k) });
    }
    const sent = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(sent.status).toBe(200);
    const table = await cli(['experiment', 'results', 'cuped-pages']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/variant_a \[CUPED, variance −\d+\.\d\d%\]\s+\d/);
    expect(table.stdout).toMatch(/\[CUPED\] adjusted for the same metric before exposure/);
    // the seed's experiments have no pre-period: no CUPED rows
    const plain = await cli(['experiment', 'results', 'checkout-flow-redesign']);
    expect(plain.stdout).not.toMatch(/CUPED/);
  });
});
