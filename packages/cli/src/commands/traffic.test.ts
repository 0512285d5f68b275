import { describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

describe('sluice router --workers', () => {
  it.each(['0', '65', '1.5', 'two'])(
    'refuses --workers %s before starting anything, naming the flag',
    async (n) => {
      const r = await runCli(['router', '--control-plane', 'http://127.0.0.1:1', '--workers', n], {
        env: { SLUICE_ROUTER_TOKEN: 'router-token' },
        cwd: '/nonexistent',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--workers');
      expect(r.stdout).toBe('');
    },
  );
});

describe('sluice up --router-workers', () => {
  it('refuses a bad value before starting anything, naming the setting', async () => {
    const r = await runCli(['up', '--router-workers', '0', '--data-dir', '/nonexistent/sluice'], {
      env: {},
      cwd: '/nonexistent',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('routerWorkers');
    expect(r.stdout).toBe('');
  });
});
