import { describe, expect, it } from 'vitest';
import { createGatewayApiProvider } from './gateway-api.js';
import { serviceRefOf, trafficFromRoute } from './gateway-route.js';
import { describeTrafficProviderContract } from './provider.case.js';
import { type FakeKube, ROUTE_PATH, seedRoute, startFakeKube } from './test-support/fake-kube.js';

const providerFor = (kube: FakeKube, token = kube.token) =>
  createGatewayApiProvider({ connection: { server: kube.url, token }, namespace: 'shop', route: 'web' });

describeTrafficProviderContract('gateway-api (fake API server)', async () => {
  const kube = await startFakeKube(seedRoute());
  return {
    provider: providerFor(kube),
    upstreams: {
      blue: 'http://web-blue:8080',
      green: 'http://web-green:8080',
      blue2: 'http://web-blue-2:8080',
    },
    breakDataPlane: kube.close,
    close: kube.close,
  };
});

describe('gateway-api provider specifics', () => {
  it('writes weighted backendRefs, matches and the mirror into the route, keeping the rest', async () => {
    const kube = await startFakeKube(seedRoute());
    try {
      const p = providerFor(kube);
      await p.setBackends({ stable: ['http://web-v1:8080'], canary: ['http://web-v2.canary.svc:8080'] });
      await p.setWeights({ stable: 90, canary: 10 });
      await p.setMatchRules([{ source: 'header', name: 'x-canary', value: 'always', version: 'canary' }]);
      const applied = await p.setMirror({ version: 'canary', percent: 20 });
      expect(applied).toEqual({
        backends: { stable: ['http://web-v1:8080'], canary: ['http://web-v2.canary.svc:8080'] },
        weights: { stable: 90, canary: 10 },
        matchRules: [{ source: 'header', name: 'x-canary', value: 'always', version: 'canary' }],
        mirror: { version: 'canary', percent: 20 },
      });
      const stored = kube.objects.get(ROUTE_PATH) as {
        metadata: { labels: unknown; annotations: Record<string, string> };
        spec: { parentRefs: unknown; hostnames: unknown; rules: unknown };
      };
      expect(stored.metadata.labels).toEqual({ app: 'web' });
      expect(stored.spec.parentRefs).toEqual([{ name: 'public-gw' }]);
      expect(stored.spec.hostnames).toEqual(['shop.example.com']);
      const prefix = { path: { type: 'PathPrefix', value: '/' } };
      expect(stored.spec.rules).toEqual([
        {
          matches: [{ ...prefix, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
          backendRefs: [{ name: 'web-v2', namespace: 'canary', port: 8080, weight: 1 }],
        },
        {
          matches: [prefix],
          backendRefs: [
            { name: 'web-v1', port: 8080, weight: 90 },
            { name: 'web-v2', namespace: 'canary', port: 8080, weight: 10 },
          ],
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'web-v2', namespace: 'canary', port: 8080 }, percent: 20 },
            },
          ],
        },
      ]);
      // Every request carried the token; every write carried the resourceVersion it had read.
      expect(kube.requests.every((r) => r.authorization === `Bearer ${kube.token}`)).toBe(true);
      const puts = kube.requests.filter((r) => r.method === 'PUT');
      expect(puts).toHaveLength(4);
      for (const put of puts)
        expect(
          (put.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion,
        ).toBeDefined();
    } finally {
      await kube.close();
    }
  });

  it('re-reads and retries when someone else wrote the route first (409)', async () => {
    const kube = await startFakeKube(seedRoute());
    try {
      const p = providerFor(kube);
      await p.setBackends({ a: ['http://web-a:80'] });
      kube.conflictNextPuts(2);
      expect((await p.setWeights({ a: 100 })).weights).toEqual({ a: 100 });
      kube.conflictNextPuts(10);
      await expect(p.setWeights({ a: 100 })).rejects.toMatchObject({ code: 'TRAFFIC_PROVIDER_REJECTED' });
    } finally {
      await kube.close();
    }
  });

  it('reports a missing route and a refused token as rejections', async () => {
    const kube = await startFakeKube({});
    try {
      await expect(providerFor(kube).read()).rejects.toMatchObject({ code: 'TRAFFIC_PROVIDER_REJECTED' });
      kube.objects.set(ROUTE_PATH, seedRoute()[ROUTE_PATH]!);
      await expect(providerFor(kube, 'wrong').read()).rejects.toMatchObject({
        code: 'TRAFFIC_PROVIDER_REJECTED',
      });
    } finally {
      await kube.close();
    }
  });

  it('reads a hand-written route, naming versions after their Services', async () => {
    const kube = await startFakeKube(
      seedRoute([
        {
          backendRefs: [
            { name: 'web-v1', port: 80, weight: 3 },
            { name: 'web-v2', port: 80 },
          ],
        },
      ]),
    );
    try {
      expect(await providerFor(kube).read()).toEqual({
        backends: { 'web-v1': ['http://web-v1:80'], 'web-v2': ['http://web-v2:80'] },
        weights: { 'web-v1': 75, 'web-v2': 25 },
        matchRules: [],
        mirror: null,
      });
    } finally {
      await kube.close();
    }
  });

  it('refuses upstreams that are not Service URLs, naming the field', async () => {
    const kube = await startFakeKube(seedRoute());
    try {
      await expect(providerFor(kube).setBackends({ a: ['http://10.0.0.1:80'] })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        fields: [{ path: 'backends.a[0]' }],
      });
      expect(kube.requests.some((r) => r.method === 'PUT')).toBe(false);
    } finally {
      await kube.close();
    }
  });

  it('parses Service URLs in their short and long forms', () => {
    expect(serviceRefOf('http://web:8080', 'x')).toEqual({ name: 'web', port: 8080 });
    expect(serviceRefOf('http://web.prod.svc:80', 'x')).toEqual({ name: 'web', namespace: 'prod', port: 80 });
    expect(serviceRefOf('http://web.prod.svc.cluster.local', 'x')).toEqual({
      name: 'web',
      namespace: 'prod',
      port: 80,
    });
    expect(() => serviceRefOf('http://Web_1:80', 'x')).toThrow(/not a Kubernetes Service URL/);
    const route = { metadata: { name: 'r' }, spec: { rules: [] } };
    expect(trafficFromRoute(route, 'ns')).toEqual({
      backends: {},
      weights: {},
      matchRules: [],
      mirror: null,
    });
  });
});
