import { isSluiceError } from '@sluice/core/errors';
import { describe, expect, it } from 'vitest';
import { parseRouterSnapshot, RouterConfigInvalid, type RouterSnapshotInput } from './index.js';

function snapshot(overrides: Partial<RouterSnapshotInput['routes'][number]> = {}): RouterSnapshotInput {
  return {
    version: 3,
    routes: [
      {
        name: 'api',
        pathPrefix: '/api',
        versions: [
          { name: 'v1', url: 'http://127.0.0.1:8001' },
          { name: 'v2', url: 'http://127.0.0.1:8002/base' },
        ],
        weights: { v1: 90, v2: 10 },
        ...overrides,
      },
    ],
  };
}

function refusal(input: unknown) {
  try {
    parseRouterSnapshot(input);
  } catch (err) {
    if (RouterConfigInvalid.is(err)) return err;
    throw err;
  }
  throw new Error('the snapshot was accepted');
}

describe('router snapshot validation', () => {
  it('accepts a valid snapshot and fills in defaults', () => {
    const parsed = parseRouterSnapshot(snapshot());
    const route = parsed.routes[0];
    expect(route?.timeouts).toEqual({ connectMs: 5_000, responseMs: 30_000 });
    expect(route?.match).toEqual([]);
    expect(route?.stripPrefix).toBe(false);
  });

  it('refuses weights that do not sum to 100, naming the field', () => {
    const err = refusal(snapshot({ weights: { v1: 90, v2: 20 } }));
    expect(isSluiceError(err, 'ROUTER_CONFIG_INVALID')).toBe(true);
    expect(err.status).toBe(400);
    expect(err.fields).toContainEqual({
      path: 'routes[0].weights',
      message: 'weights must sum to 100 (they sum to 110)',
    });
  });

  it('refuses unknown versions in weights, match rules and mirror', () => {
    const err = refusal(
      snapshot({
        weights: { v1: 90, v3: 10 },
        match: [{ kind: 'header', name: 'x-canary', value: '1', version: 'v9' }],
        mirror: { version: 'shadow', percent: 10 },
      }),
    );
    const paths = err.fields.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'routes[0].weights.v3',
        'routes[0].match[0].version',
        'routes[0].mirror.version',
      ]),
    );
  });

  it('refuses two routes on the same host and prefix (trailing slash ignored)', () => {
    const base = snapshot();
    const first = base.routes[0]!;
    const err = refusal({ ...base, routes: [first, { ...first, name: 'api2', pathPrefix: '/api/' }] });
    expect(err.fields.map((f) => f.path)).toContain('routes[1].pathPrefix');
  });

  it('allows the same prefix on different hosts', () => {
    const base = snapshot();
    const first = base.routes[0]!;
    expect(() =>
      parseRouterSnapshot({ ...base, routes: [first, { ...first, name: 'api2', host: 'Shop.Example.com' }] }),
    ).not.toThrow();
  });

  it('refuses bad upstream URLs with the path of the field', () => {
    for (const url of [
      'not a url',
      'ftp://127.0.0.1/',
      'http://127.0.0.1:8001/?q=1',
      'http://u:p@127.0.0.1/',
    ]) {
      const err = refusal(
        snapshot({
          versions: [
            { name: 'v1', url: 'http://127.0.0.1:8001' },
            { name: 'v2', url },
          ],
        }),
      );
      expect(err.fields.map((f) => f.path)).toContain('routes[0].versions[1].url');
    }
  });

  it('refuses TLS settings on a plain http upstream', () => {
    const err = refusal(
      snapshot({
        versions: [
          { name: 'v1', url: 'http://127.0.0.1:8001', tls: { serverName: 'a.test' } },
          { name: 'v2', url: 'https://127.0.0.1:8002', tls: { serverName: 'a.test' } },
        ],
      }),
    );
    expect(err.fields.map((f) => f.path)).toEqual(['routes[0].versions[0].tls']);
  });

  it('refuses duplicate version and route names, and unknown fields', () => {
    const dupVersion = refusal(
      snapshot({
        versions: [
          { name: 'v1', url: 'http://127.0.0.1:8001' },
          { name: 'v1', url: 'http://127.0.0.1:8002' },
        ],
        weights: { v1: 100 },
      }),
    );
    expect(dupVersion.fields.map((f) => f.path)).toContain('routes[0].versions[1].name');
    const base = snapshot();
    const dupRoute = refusal({
      ...base,
      routes: [base.routes[0]!, { ...base.routes[0]!, host: 'a.example' }],
    });
    expect(dupRoute.fields.map((f) => f.path)).toContain('routes[1].name');
    const extra = refusal({ ...base, colour: 'blue' });
    expect(extra.fields[0]?.path).toBe('(root)');
  });

  it('refuses a version number that is not a non-negative integer', () => {
    expect(refusal({ ...snapshot(), version: -1 }).fields[0]?.path).toBe('version');
    expect(refusal({ ...snapshot(), version: 1.5 }).fields[0]?.path).toBe('version');
  });
});
