import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';

const plan = (config: Record<string, unknown> = {}) => ({
  name: 'api',
  version: '2.0.0',
  stages: [
    {
      name: 'bg',
      strategy: 'blue_green',
      config: {
        app_name: 'api',
        image: 'api:2.0.0',
        smoke_tests: [{ endpoint: '/health' }, { endpoint: '/api/v2/status', expected_status: 200 }],
        ...config,
      },
    },
  ],
});

describe('blue-green executor', () => {
  it('deploys beside, retries health with backoff, smoke-tests, switches, keeps old warm, retires', () => {
    const h = harness(plan());
    expect(h.pending('deploy')).toMatchObject({ role: 'canary', image: 'api:2.0.0', namespace: 'default' });
    h.ok('deploy');
    const t0 = h.now;
    h.fail('health_check', 'connection refused');
    const firstBackoff = Object.values(h.state.timers).find((t) => t.stage === 'bg');
    expect(firstBackoff?.dueAt).toBe(t0 + 2000);
    h.fire('bg');
    expect(h.pending('health_check')).toMatchObject({ attempt: 2 });
    h.fail('health_check');
    expect(Object.values(h.state.timers).find((t) => t.stage === 'bg')?.dueAt).toBe(h.now + 4000);
    h.fire('bg');
    h.ok('health_check');
    expect(h.pending('smoke_test')).toMatchObject({ version: '2.0.0' });
    expect(h.stage('bg').weight).toBe(0);
    h.ok('smoke_test');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { stable: 0, canary: 100 } });
    h.ok('set_traffic');
    expect(h.stage('bg').weight).toBe(100);
    expect(h.stage('bg').status).toBe('finishing');
    expect(h.hasPending('retire')).toBe(false);
    const switchedAt = h.now;
    h.fire('bg');
    expect(h.now - switchedAt).toBe(30_000);
    h.ok('retire');
    expect(h.state.status).toBe('succeeded');
  });

  it('fails after the configured number of health checks and switches nothing', () => {
    const h = harness(plan({ health_check: { retries: 2 } }));
    h.ok('deploy');
    h.fail('health_check');
    h.fire('bg');
    h.fail('health_check', '503');
    expect(h.stage('bg').error).toBe('health check failed 2 times: 503');
    expect(h.log.filter((c) => c.kind === 'set_traffic' && c.weights.canary > 0)).toHaveLength(0);
    h.ok('set_traffic');
    h.ok('retire');
    expect(h.state.status).toBe('rolled_back');
  });

  it('rolls back by switching back when smoke tests fail', () => {
    const h = harness(plan());
    h.ok('deploy');
    h.ok('health_check');
    h.fail('smoke_test', '/api/v2/status returned 500');
    expect(h.stage('bg').error).toContain('smoke tests failed');
    expect(h.pending('set_traffic')).toMatchObject({ weights: { stable: 100, canary: 0 } });
  });
});
