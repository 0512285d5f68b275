import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeKube {
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Stored objects by API path. */
  objects: Map<string, Record<string, unknown>>;
  /** Answers the next `n` PUTs with 409, as if someone else wrote first. */
  conflictNextPuts(n: number): void;
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  reason,
  code,
});

/**
 * A fake Kubernetes API server on 127.0.0.1: bearer-token auth, GET and PUT of stored objects
 * with resourceVersion checks (409 on a stale write), every request recorded.
 */
export async function startFakeKube(seed: Record<string, Record<string, unknown>> = {}): Promise<FakeKube> {
  const token = 'test-token';
  const requests: RecordedRequest[] = [];
  const objects = new Map(Object.entries(seed).map(([k, v]) => [k, structuredClone(v)]));
  let version = 100;
  let conflicts = 0;
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw === '' ? undefined : JSON.parse(raw);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    const send = (code: number, payload: unknown) =>
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const current = objects.get(path);
    if (!current) return send(404, status(404, 'NotFound', `${path} not found`));
    if (req.method === 'GET') return send(200, current);
    if (req.method === 'PUT') {
      const meta = (current.metadata ?? {}) as Record<string, unknown>;
      if (conflicts > 0) {
        conflicts--;
        meta.resourceVersion = String(++version); // someone else wrote meanwhile
        return send(409, status(409, 'Conflict', 'the object has been modified'));
      }
      if (body?.metadata?.resourceVersion !== meta.resourceVersion) {
        return send(409, status(409, 'Conflict', 'the object has been modified'));
      }
      const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
      objects.set(path, stored);
      return send(200, stored);
    }
    return send(405, status(405, 'MethodNotAllowed', 'method not allowed'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    requests,
    objects,
    conflictNextPuts: (n) => {
      conflicts = n;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const ROUTE_PATH = '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web';

/** An HTTPRoute as a user would create it before handing it to Sluice. */
export function seedRoute(rules: unknown[] = []): Record<string, Record<string, unknown>> {
  return {
    [ROUTE_PATH]: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'shop', resourceVersion: '1', labels: { app: 'web' } },
      spec: { parentRefs: [{ name: 'public-gw' }], hostnames: ['shop.example.com'], rules },
    },
  };
}
