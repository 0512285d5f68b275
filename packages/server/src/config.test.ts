import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.js';

describe('configuration', () => {
  it('puts the router admin port beside the router port unless it is set', () => {
    expect(configFromEnv({})).toMatchObject({ routerPort: 4280, routerAdminPort: 4281 });
    expect(configFromEnv({ SLUICE_ROUTER_PORT: '5280' })).toMatchObject({ routerAdminPort: 5281 });
    expect(configFromEnv({ SLUICE_ROUTER_PORT: '0' })).toMatchObject({ routerAdminPort: 0 });
    expect(configFromEnv({ SLUICE_ROUTER_PORT: '5280', SLUICE_ROUTER_ADMIN_PORT: '9000' })).toMatchObject({
      routerAdminPort: 9000,
    });
  });

  it('reads the log format and whether every request is logged', () => {
    expect(configFromEnv({})).toMatchObject({ logRequests: false });
    expect(configFromEnv({}).logFormat).toBeUndefined();
    expect(configFromEnv({ SLUICE_LOG_FORMAT: 'json', SLUICE_LOG_REQUESTS: 'true' })).toMatchObject({
      logFormat: 'json',
      logRequests: true,
    });
    expect(configFromEnv({ SLUICE_LOG_REQUESTS: '0' }).logRequests).toBe(false);
  });

  it('refuses bad values, naming the setting', () => {
    expect(() => configFromEnv({ SLUICE_LOG_FORMAT: 'xml' })).toThrow(/logFormat/);
    expect(() => configFromEnv({ SLUICE_LOG_REQUESTS: 'yes please' })).toThrow(/logRequests/);
    expect(() => configFromEnv({ SLUICE_ROUTER_ADMIN_PORT: '70000' })).toThrow(/routerAdminPort/);
    for (const bad of ['0', '65', '1.5', 'two']) {
      expect(() => configFromEnv({ SLUICE_ROUTER_WORKERS: bad })).toThrow(/routerWorkers/);
    }
  });

  it('runs the embedded router in one process unless told how many workers to use', () => {
    expect(configFromEnv({}).routerWorkers).toBe(1);
    expect(configFromEnv({ SLUICE_ROUTER_WORKERS: '2' }).routerWorkers).toBe(2);
    expect(configFromEnv({ SLUICE_ROUTER_WORKERS: '2' }, { routerWorkers: '4' }).routerWorkers).toBe(4);
  });
});
