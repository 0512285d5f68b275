import { isSluiceError } from '@sluice/core/errors';
import fc from 'fast-check';
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

  it('reports quantiles within about 1% of the exact value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const h = new LatencyHistogram();
          for (const x of xs) h.record(x);
          const sorted = [...xs].sort((a, b) => a - b);
          for (const q of [0.5, 0.95, 0.99]) {
            const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
            const got = h.quantile(q);
            expect(got).toBeGreaterThanOrEqual(exact * 0.999);
            expect(got).toBeLessThanOrEqual(exact * 1.011);
          }
          expect(h.quantile(1)).toBeCloseTo(sorted.at(-1)!, 6);
        },
      ),
    );
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
