import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKubeApps {
  url: string;
  token: string;
  namespace: string;
  /** Every request as `METHOD path`. */
  requests: string[];
  deployments: Map<string, Record<string, any>>;
  /** Answers the next `n` scale PUTs with 409, as if an autoscaler wrote first. */
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
 * A fake Kubernetes API server (apps/v1 Deployments and their `scale` subresource) on
 * 127.0.0.1, with bearer-token auth and resourceVersion checks. Its "controller" moves a
 * Deployment's status to the wanted replicas one read after a scale; a Deployment named
 * `*-stuck` never gets available pods, one named `*-broken` reports ProgressDeadlineExceeded.
 */
export async function startFakeKubeApps(namespace: string, names: readonly string[]): Promise<FakeKubeApps> {
  const token = 'test-token';
  const requests: string[] = [];
  let version = 100;
  let conflicts = 0;
  const deployments = new Map<string, Record<string, any>>();
  for (const name of names) {
    const tag = name.slice(name.lastIndexOf('-') + 1);
    deployments.set(name, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, generation: 1, resourceVersion: String(++version) },
      spec: {
        replicas: 0,
        template: { spec: { containers: [{ name: 'app', image: `registry.example.com/api:${tag}` }] } },
      },
      status: {
        observedGeneration: 1,
        replicas: 0,
        updatedReplicas: 0,
        readyReplicas: 0,
        availableReplicas: 0,
      },
    });
  }
  /** What a Deployment controller would have done by now. */
  const reconcile = (d: Record<string, any>) => {
    const want = d.spec.replicas as number;
    const name = d.metadata.name as string;
    if (name.endsWith('-broken') && want > 0) {
      d.status = {
        observedGeneration: d.metadata.generation,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet has timed out progressing',
          },
        ],
      };
      return;
    }
    const up = name.endsWith('-stuck') ? 0 : want;
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas: want,
      updatedReplicas: want,
      readyReplicas: up,
      availableReplicas: up,
    };
  };
  const pending = new Set<string>();

  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw === '' ? undefined : JSON.parse(raw);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(`${req.method} ${path}`);
    const send = (code: number, payload: unknown) =>
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const base = `/apis/apps/v1/namespaces/${namespace}/deployments`;
    if (req.method === 'GET' && path === base)
      return send(200, { kind: 'DeploymentList', items: [...deployments.values()] });
    const m = new RegExp(`^${base}/([^/]+)(/scale)?$`).exec(path);
    const d = m ? deployments.get(m[1] as string) : undefined;
    if (!m || !d) return send(404, status(404, 'NotFound', `${path} not found`));
    if (!m[2] && req.method === 'GET') {
      // The controller catches up one read after a change, so callers see `starting` first.
      if (pending.has(d.metadata.name)) pending.delete(d.metadata.name);
      else reconcile(d);
      return send(200, d);
    }
    if (m[2] && req.method === 'GET')
      return send(200, {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: d.metadata.name, namespace, resourceVersion: d.metadata.resourceVersion },
        spec: { replicas: d.spec.replicas },
      });
    if (m[2] && req.method === 'PUT') {
      if (conflicts > 0) {
        conflicts--;
        d.metadata.resourceVersion = String(++version);
        return send(409, status(409, 'Conflict', 'the object has been modified'));
      }
      if (body?.metadata?.resourceVersion !== d.metadata.resourceVersion)
        return send(409, status(409, 'Conflict', 'the object has been modified'));
      d.spec.replicas = body.spec.replicas;
      d.metadata.generation += 1;
      d.metadata.resourceVersion = String(++version);
      pending.add(d.metadata.name);
      return send(200, {
        ...body,
        metadata: { ...body.metadata, resourceVersion: d.metadata.resourceVersion },
      });
    }
    return send(405, status(405, 'MethodNotAllowed', 'method not allowed'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    namespace,
    requests,
    deployments,
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
