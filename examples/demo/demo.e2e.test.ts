/**
 * `npm run demo` end to end, as a user runs it: the built CLI starts Sluice, the demo app plays
 * both services, `sluice load` plays their users and the seed plan runs unchanged, time-scaled
 * ×1000 so its ~17.5 planned hours take about a minute. The happy path must succeed; `--fail`
 * must catch the bad canary and roll every stage back, newest first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('./run.mjs', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO, '--time-scale', '1000', '--no-live', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  it('runs the seed plan, unchanged, to completion, approving the manual gate when asked', async () => {
    const { code, output } = await runDemo([]);
    expect(output, output).toContain('TIME-SCALED ×1000');
    expect(output).toMatch(/enable_feature_flag waits for product_manager, engineering_lead/);
    expect(output).toMatch(/sluice rollout approve .* --stage enable_feature_flag/);
    // every step of the walk is seen: the flag's percentages and the canary's weights
    for (const step of ['enable_feature_flag running 5%', 'enable_feature_flag running 100%'])
      expect(output).toContain(step);
    for (const weight of [5, 20, 35, 50, 65, 80, 95, 100])
      expect(output).toContain(`frontend_canary running ${weight}%`);
    expect(output).toMatch(/ended succeeded/);
    expect(output).toMatch(/stopped \d demo app processes/);
    expect(code, output).toBe(0);
  }, 400_000);

  it('--fail: the errors injected into the canary roll every stage back in reverse order', async () => {
    const { code, output } = await runDemo(['--fail']);
    expect(output, output).toMatch(/--fail: injecting a 50 % error rate into web-frontend 2.0.0/);
    expect(output).toMatch(
      /ended rolled_back: stage frontend_canary failed: at \d+%(, between scheduled checks)?: metrics failed: error_rate = [\d.]+% is above 1%/,
    );
    expect(output).toContain(
      'rolled back, newest first: frontend_canary → enable_feature_flag → deploy_backend',
    );
    expect(code, output).toBe(0);
  }, 400_000);
});
