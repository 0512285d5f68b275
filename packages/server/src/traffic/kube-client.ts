import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { TrafficProviderRejected, TrafficProviderUnavailable } from './errors.js';

// A deliberately small Kubernetes API client: the gateway-api provider needs GET and PUT of one
// object, which does not justify @kubernetes/client-node and its dependency tree.

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export const kubeConnectionSchema = z
  .object({
    /** API server, e.g. `https://kubernetes.default.svc` or `https://127.0.0.1:6443`. */
    server: z.url({ protocol: /^https?$/ }),
    /** Bearer token; or `tokenFile`, re-read on every request because projected tokens rotate. */
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    /** PEM CA bundle for the API server's certificate (or `caFile`). */
    ca: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();

export type KubeConnection = z.input<typeof kubeConnectionSchema>;

/** The connection a pod gets from its service account (KUBERNETES_SERVICE_HOST/PORT). */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host)
    throw TrafficProviderUnavailable('not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset)');
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tokenFile: `${SERVICE_ACCOUNT}/token`,
    caFile: `${SERVICE_ACCOUNT}/ca.crt`,
  };
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

/** A Kubernetes `Status` message, when the body is one. */
function statusMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 300) : '';
}

export function createKubeClient(input: KubeConnection) {
  const conn = kubeConnectionSchema.parse(input);
  const ca = conn.ca ?? (conn.caFile ? readFileSync(conn.caFile, 'utf8') : undefined);
  const base = new URL(conn.server);
  const client = base.protocol === 'https:' ? https : http;
  const agent =
    base.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ca })
      : new http.Agent({ keepAlive: true });

  const token = () =>
    conn.token ?? (conn.tokenFile ? readFileSync(conn.tokenFile, 'utf8').trim() : undefined);

  /** Sends one request; network failures and 5xx are UNAVAILABLE, 401/403 REJECTED. Other statuses are returned. */
  const request = (method: 'GET' | 'PUT', path: string, body?: unknown): Promise<KubeResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const bearer = token();
      const req = client.request(new URL(path, base), {
        method,
        agent,
        headers: {
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        timeout: conn.timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${conn.timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(
          TrafficProviderUnavailable(`Kubernetes API ${base.origin} is unreachable: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): keep the text for the message.
          }
          const status = res.statusCode ?? 0;
          const what = `${method} ${path}: ${status} ${statusMessage(parsed)}`.trim();
          if (status === 401 || status === 403)
            reject(TrafficProviderRejected(`Kubernetes API refused ${what}`));
          else if (status >= 500) reject(TrafficProviderUnavailable(`Kubernetes API failed ${what}`));
          else resolve({ status, body: parsed });
        });
      });
      req.end(payload);
    });

  return { request, close: () => agent.destroy(), describe: (r: KubeResponse) => statusMessage(r.body) };
}

export type KubeClient = ReturnType<typeof createKubeClient>;
