import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_CHECK, type Deployment, fillTemplate, versionFromImage } from './model.js';
import { expectCode } from './provider.case.js';
import { waitUntilReady } from './wait.js';

describe('versionFromImage', () => {
  it('takes the tag of an image reference', () => {
    expect(versionFromImage('api:2.0.0')).toBe('2.0.0');
    expect(versionFromImage('registry.example.com:5000/team/api:2.1.0-rc.1')).toBe('2.1.0-rc.1');
    expect(versionFromImage('api:2.0.0@sha256:abc')).toBe('2.0.0');
  });

  it('refuses an image without a usable tag, naming the field', () => {
    expect(() => versionFromImage('registry:5000/api', 'spec.stages[0].config.image')).toThrowError(
      /spec\.stages\[0\]\.config\.image: "registry:5000\/api" has no tag/,
    );
    expect(() => versionFromImage('api@sha256:abc')).toThrowError(/has no tag/);
    expect(() => versionFromImage('api:bad/tag')).toThrowError(/has no tag|not a valid version/);
  });
});

describe('fillTemplate', () => {
  it('fills known placeholders and leaves others', () => {
    expect(fillTemplate('x-{version}:{port}/{other}', { version: '1.0', port: 80 })).toBe('x-1.0:80/{other}');
  });
});

describe('waitUntilReady', () => {
  const d = (state: Deployment['state']): Deployment => ({
    version: 'v1',
    opId: 'op',
    state,
    upstreams: [],
    info: {},
  });
  /** A fake clock that moves only when the waiter sleeps. */
  const clock = () => {
    let t = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      deps: {
        now: () => t,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          t += ms;
        },
      },
    };
  };
  const hc = { ...DEFAULT_HEALTH_CHECK, interval_seconds: 1 };

  it('polls with doubling intervals until ready', async () => {
    const states = ['starting', 'starting', 'unhealthy', 'ready'] as const;
    let i = 0;
    const c = clock();
    const got = await waitUntilReady(
      async () => d(states[i++] ?? 'ready'),
      'v1',
      undefined,
      { timeoutMs: 60_000, healthCheck: hc },
      c.deps,
    );
    expect(got.state).toBe('ready');
    expect(c.sleeps).toEqual([1000, 2000, 4000]);
  });

  it('never sleeps past the deadline and then times out', async () => {
    const c = clock();
    await expectCode(
      waitUntilReady(
        async () => d('starting'),
        'v1',
        { timeoutMs: 5000 },
        { timeoutMs: 1, healthCheck: hc },
        c.deps,
      ),
      'DEPLOY_TIMEOUT',
    );
    expect(c.sleeps.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it('stops at once on a failed, retired or unknown version', async () => {
    const c = clock();
    const opts = { timeoutMs: 5000, healthCheck: hc };
    await expectCode(
      waitUntilReady(async () => d('failed'), 'v1', undefined, opts, c.deps),
      'DEPLOY_FAILED',
    );
    await expectCode(
      waitUntilReady(async () => d('retired'), 'v1', undefined, opts, c.deps),
      'DEPLOY_FAILED',
    );
    await expectCode(
      waitUntilReady(async () => null, 'v1', undefined, opts, c.deps),
      'DEPLOY_FAILED',
    );
    expect(c.sleeps).toEqual([]);
  });
});
