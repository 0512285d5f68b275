/**
 * The seed's Flagger Canary (examples/flagger/canary.yaml, unchanged) end to end: a control
 * plane with its embedded router on a free port, the demo app as `microservices` in real
 * processes, and the CLI as a user types it. The canary's load-test webhook is the only
 * traffic: Sluice runs its hey line with its own generator through the router. Time-scaled
 * ×30 (30 s steps take 1 s; metric windows keep 30 s). Version 2.0.0 walks 10 … 50 % and
 * promotes; 3.0.0, answering 500, rolls back; a canary whose rollout webhook answers 500
 * rolls back too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv, createServer, type SluiceServer } from '@sluice/server';
import { freePort, retireAll } from '@sluice/server/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './test-support/run-cli.js';

const ADMIN = 'cli-flagger-admin-token-0000';
const CANARY = fileURLToPath(new URL('../../../examples/flagger/canary.yaml', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../examples/demo-app/server.mjs', import.meta.url));
const deploySpec = {
  provider: 'process' as const,
  command: `node ${DEMO} --version {version} --port {port}`,
  stopGraceSeconds: 2,
};
const WAIT = { timeout: 40_000, interval: 100 };

describe('a Flagger Canary through sluice', () => {
  let server: SluiceServer;
  let url: string;
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { url, token: ADMIN, cwd: dir });
  const route = () => server.router?.status().routes.find((r) => r.name === 'microservices');
  const weightOf = (version: string) => route()?.versions.find((v) => v.name === version)?.weight ?? null;
  const runOf = async (id: string) => JSON.parse((await cli('rollout', 'status', id, '-o', 'json')).stdout);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-flagger-'));
    server = await createServer(
      configFromEnv(
        {},
        { dataDir: join(dir, 'data'), adminToken: ADMIN, port: 0, routerPort: await freePort() },
      ),
    );
    url = await server.listen();
    const service = {
      kind: 'Service',
      metadata: { name: 'microservices', environment: 'staging' },
      spec: {
        stableVersion: '1.0.0',
        deploy: deploySpec,
        traffic: { provider: 'builtin', route: { host: 'microservices.example.com', pathPrefix: '/' } },
      },
    };
    const env = { kind: 'Environment', metadata: { name: 'staging' }, spec: {} };
    writeFileSync(join(dir, 'microservices.json'), JSON.stringify([env, service]));
    const applied = await cli('apply', '-f', join(dir, 'microservices.json'));
    expect(applied.code, applied.stderr).toBe(0);
  });

  afterAll(async () => {
    await server?.close();
    await retireAll(deploySpec, 'microservices', join(dir, 'data'), 'staging');
  });

  it('applies unchanged with what Sluice ignores listed, promotes a healthy canary and rolls back a failing one', async () => {
    const applied = await cli('apply', '-f', CANARY, '--env', 'staging');
    expect(applied.code, applied.stderr).toBe(0);
    const said = applied.stdout + applied.stderr;
    expect(said).toMatch(/Canary\/microservices-canary/);
    expect(said).toMatch(
      /ignored by Sluice: spec\.service\.port, spec\.service\.targetPort, spec\.service\.gateways/,
    );
    expect(said).toMatch(/http:\/\/load-tester\.test\/ is not called/);

    // healthy: the load test's traffic is judged step by step, then 2.0.0 takes everything
    const started = await cli(
      'rollout',
      'start',
      'microservices-canary',
      '--version',
      '2.0.0',
      '--env',
      'staging',
      '--time-scale',
      '30',
      '-o',
      'json',
    );
    expect(started.code, started.stderr).toBe(0);
    const first = JSON.parse(started.stdout).id as string;
    await vi.waitFor(async () => {
      expect((await runOf(first)).status).toBe('succeeded');
    }, WAIT);
    expect(weightOf('2.0.0')).toBe(100);
    const explained = await cli('rollout', 'explain', first);
    expect(explained.code).toBe(0);
    // Flagger's walk: stepWeight 10 up to maxWeight 50, then promotion
    for (const [from, to] of [
      [0, 10],
      [10, 20],
      [20, 30],
      [30, 40],
      [40, 50],
      [50, 100],
    ])
      expect(explained.stdout).toContain(`from ${from}% to ${to}% of traffic`);
    expect(explained.stdout).toMatch(/request-success-rate PASS/);

    // failing: 3.0.0 answers 500 from its first request (started from the file, as `-f` allows)
    const again = await cli(
      'rollout',
      'start',
      '-f',
      CANARY,
      '--version',
      '3.0.0',
      '--env',
      'staging',
      '--time-scale',
      '30',
      '-o',
      'json',
    );
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout).id as string;
    const canaryUrl = await vi.waitFor(() => {
      const v = route()?.versions.find((x) => x.name === '3.0.0');
      expect(v?.url).toBeTruthy();
      return v?.url as string;
    }, WAIT);
    const faults = await fetch(new URL('/_faults', canaryUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(faults.status).toBe(200);
    const rolledBack = await vi.waitFor(async () => {
      const run = await runOf(second);
      expect(run.status).toBe('rolled_back');
      return run;
    }, WAIT);
    // threshold 5: four failed checks are tolerated, the fifth rolls back
    expect(rolledBack.reason).toMatch(
      /(error-rate|request-success-rate) .*failed 5 times, more than failure_limit 4/,
    );
    expect(weightOf('3.0.0') ?? 0).toBe(0);
    expect(weightOf('2.0.0')).toBe(100);
    const why = await cli('rollout', 'explain', second);
    expect(why.stdout).toMatch(/error-rate FAIL: error-rate = 100 is above 1/);
    expect(why.stdout).toMatch(/The run is rolled back/);
  });

  it("calls a rollout webhook with Flagger's payload at each check, and rolls back when it answers 500", async () => {
    const received: unknown[] = [];
    const receiver = createHttpServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      req.on('end', () => {
        received.push(JSON.parse(text));
        res.writeHead(500).end('acceptance failed');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/acceptance`;
      const hooked = {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: 'microservices-hooked', namespace: 'microservices' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'microservices' },
          analysis: {
            interval: '30s',
            threshold: 2,
            stepWeight: 50,
            webhooks: [{ name: 'acceptance', url: hook, timeout: '5s', metadata: { suite: 'smoke' } }],
          },
        },
      };
      writeFileSync(join(dir, 'hooked.json'), JSON.stringify(hooked));
      const applied = await cli('apply', '-f', join(dir, 'hooked.json'), '--env', 'staging');
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout + applied.stderr).not.toMatch(/acceptance.*not called/);
      const started = await cli(
        'rollout',
        'start',
        'microservices-hooked',
        '--version',
        '4.0.0',
        '--env',
        'staging',
        '--time-scale',
        '30',
        '-o',
        'json',
      );
      expect(started.code, started.stderr).toBe(0);
      const id = JSON.parse(started.stdout).id as string;
      const run = await vi.waitFor(async () => {
        const r = await runOf(id);
        expect(r.status).toBe('rolled_back');
        return r;
      }, WAIT);
      // threshold 2: one failed call is tolerated, the second rolls back
      expect(received).toHaveLength(2);
      expect(received[0]).toEqual({
        name: 'microservices-hooked',
        namespace: 'microservices',
        phase: 'Progressing',
        checksum: '4.0.0',
        metadata: { suite: 'smoke' },
      });
      expect(run.reason).toMatch(/webhook:acceptance .*failed 2 times, more than failure_limit 1/);
      expect(weightOf('4.0.0') ?? 0).toBe(0);
      const why = await cli('rollout', 'explain', id);
      expect(why.stdout).toMatch(/webhook:acceptance FAIL: .*answered 500: acceptance failed/);
      expect(why.stdout).toContain(`POST ${hook}`);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
