import { isSluiceError } from '@sluice/core/errors';
import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookies.js';
import { LatencyHistogram } from './histogram.js';
import { isLoopbackHost, parseLoadOptions } from './schema.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    'localhost',
    'LOCALHOST',
    'api.localhost',
    '[::1]',
    '::1',
    '::ffff:127.0.0.1',
  ])('accepts %s', (h) => expect(isLoopbackHost(h)).toBe(true));
  it.each([
    '10.0.0.1',
    '128.0.0.1',
    '127.0.0.256',
    'example.com',
    '127.0.0.1.example.com',
    '[::2]',
    '0.0.0.0',
    '',
  ])('refuses %s', (h) => expect(isLoopbackHost(h)).toBe(false));
});

describe('parseLoadOptions', () => {
  const valid = { url: 'http://127.0.0.1:8080/', rps: 10, durationMs: 1000 };

  it('fills defaults', () => {
    expect(parseLoadOptions(valid)).toMatchObject({ users: 100, concurrency: 256, method: 'GET' });
  });

  it('refuses a non-loopback host with a clear error', () => {
    try {
      parseLoadOptions({ ...valid, url: 'http://93.184.216.34/' });
      expect.unreachable();
    } catch (e) {
      expect(isSluiceError(e, 'LOAD_TARGET_NOT_LOOPBACK')).toBe(true);
      expect((e as Error).message).toContain('93.184.216.34');
    }
  });

  it.each([
    [{ rps: 5001 }, 'rps'],
    [{ rps: 0 }, 'rps'],
    [{ durationMs: 3_600_001 }, 'durationMs'],
    [{ users: 0 }, 'users'],
    [{ url: 'ftp://127.0.0.1/' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ extra: 1 }, '$'],
  ])('refuses %o naming %s', (patch, path) => {
    try {
      parseLoadOptions({ ...valid, ...patch });
      expect.unreachable();
    } catch (e) {
      expect(isSluiceError(e, 'VALIDATION_FAILED')).toBe(true);
      if (!isSluiceError(e)) throw e;
      expect(e.fields.map((f) => f.path)).toContain(path);
    }
  });
});

describe('LatencyHistogram', () => {
  it('is empty at zero', () => {
    expect(new LatencyHistogram().summary()).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });

  // the shared scale's own accuracy is core's test (histogram/); here: the summary's shape
  it('summarises in milliseconds, the maximum and mean exact', () => {
    const h = new LatencyHistogram();
    for (const ms of [1, 2, 3, 4, 100]) h.record(ms);
    const s = h.summary();
    expect(s.max).toBe(100);
    expect(s.mean).toBe(22);
    expect(s.p50).toBeGreaterThanOrEqual(3 / 1.0101);
    expect(s.p50).toBeLessThanOrEqual(3 * 1.0101);
    expect(s.p99).toBe(100);
  });
});

describe('CookieJar', () => {
  it('keeps, replaces and expires cookies', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.store(['sluice_v=2.0.0; Path=/; HttpOnly', 'a=1']);
    expect(jar.header()).toBe('sluice_v=2.0.0; a=1');
    jar.store(['a=2; Max-Age=60']);
    expect(jar.header()).toBe('sluice_v=2.0.0; a=2');
    jar.store(['sluice_v=; Max-Age=0']);
    expect(jar.header()).toBe('a=2');
  });
});
