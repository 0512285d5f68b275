import { describe, expect, it } from 'vitest';
import { parseRouterSnapshot } from '../config/index.js';
import { compileTable, findRoute, hostName, prefixMatches } from './compile.js';

const version = (name: string, port: number) => ({ name, url: `http://127.0.0.1:${port}` });

const table = compileTable(
  parseRouterSnapshot({
    version: 1,
    routes: [
      { name: 'root', versions: [version('a', 1)], weights: { a: 100 } },
      { name: 'api', pathPrefix: '/api', versions: [version('a', 2)], weights: { a: 100 } },
      { name: 'api-v2', pathPrefix: '/api/v2/', versions: [version('a', 3)], weights: { a: 100 } },
      { name: 'shop', host: 'shop.example.com', versions: [version('a', 4)], weights: { a: 100 } },
    ],
  }),
);

describe('route lookup', () => {
  it('prefers a host-bound route, then the longest prefix', () => {
    expect(findRoute(table, 'shop.example.com:8080', '/api/x')?.name).toBe('shop');
    expect(findRoute(table, 'other', '/api/v2/users?x=1')?.name).toBe('api-v2');
    expect(findRoute(table, 'other', '/api/v2')?.name).toBe('api-v2');
    expect(findRoute(table, 'other', '/api')?.name).toBe('api');
    expect(findRoute(table, undefined, '/apix')?.name).toBe('root');
  });

  it('matches prefixes on whole segments', () => {
    expect(prefixMatches('/api', '/api')).toBe(true);
    expect(prefixMatches('/api', '/api/')).toBe(true);
    expect(prefixMatches('/api', '/api?q')).toBe(true);
    expect(prefixMatches('/api', '/apiary')).toBe(false);
    expect(prefixMatches('/', '/anything')).toBe(true);
  });

  it('normalises Host headers', () => {
    expect(hostName('Example.COM:443')).toBe('example.com');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName(undefined)).toBe('');
  });

  it('has no route when nothing matches', () => {
    const hostOnly = compileTable(
      parseRouterSnapshot({
        version: 1,
        routes: [
          { name: 'shop', host: 'shop.example.com', versions: [version('a', 4)], weights: { a: 100 } },
        ],
      }),
    );
    expect(findRoute(hostOnly, 'other.example.com', '/')).toBeUndefined();
  });
});
