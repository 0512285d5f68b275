import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../signature.js';
import { startVersionServers, type VersionServers } from './version-servers.js';

export interface FakeDeploySystem {
  /** POST here (the secret deploy URL). */
  deployUrl: string;
  statusUrl: string;
  listUrl: string;
  secret: string;
  /** Every request: method, path, idempotency key, parsed body, whether the signature held. */
  requests: { method: string; path: string; key: string | undefined; body: unknown; signed: boolean }[];
  /** Versions actually started (a repeated operation must not add one). */
  starts: string[];
  close(): Promise<void>;
}

interface Entry {
  opId: string;
  state: 'pending' | 'ready' | 'failed' | 'retired';
  polls: number;
  servers: VersionServers | null;
}

/**
 * A user's deploy system in miniature, on node:http: checks the HMAC signature (401 without),
 * honours `Idempotency-Key`, starts a real little HTTP server per version that reports ready
 * after `pollsUntilReady` status reads. Version `stuck` never gets ready, `broken` fails.
 */
export async function startFakeDeploySystem(pollsUntilReady = 2): Promise<FakeDeploySystem> {
  const secret = 'test-signing-secret';
  const requests: FakeDeploySystem['requests'] = [];
  const starts: string[] = [];
  const entries = new Map<string, Entry>();
  const ops = new Map<string, string>();

  const doc = (version: string, e: Entry) => ({
    version,
    opId: e.opId,
    state: e.state,
    upstreams: e.state === 'ready' && e.servers ? [e.servers.urls[version]] : [],
    ...(e.state === 'failed' ? { detail: 'image pull failed: manifest unknown' } : {}),
  });

  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signed = verifySignature({
      secret,
      body: raw,
      timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
      signature: req.headers[SIGNATURE_HEADER] as string | undefined,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    const body = raw === '' ? null : JSON.parse(raw);
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method: req.method ?? '', path, key, body, signed });
    const send = (status: number, payload?: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(payload === undefined ? '' : JSON.stringify(payload));
    if (!signed) return send(401, { error: 'bad signature' });

    if (req.method === 'POST' && path === '/hooks/secret-token/deploy') {
      const { action, version, opId } = body as { action: string; version: string; opId: string };
      const earlier = ops.get(opId);
      if (earlier !== undefined && earlier !== `${action}:${version}`)
        return send(409, { error: `operation ${opId} was ${earlier}` });
      ops.set(opId, `${action}:${version}`);
      const current = entries.get(version);
      if (action === 'deploy') {
        if (current && current.state !== 'retired' && current.state !== 'failed') return send(202);
        const entry: Entry = { opId, state: 'pending', polls: 0, servers: null };
        if (version === 'broken') entry.state = 'failed';
        else {
          starts.push(version);
          entry.servers = await startVersionServers([version]);
        }
        entries.set(version, entry);
        return send(202);
      }
      if (action === 'retire') {
        if (!current) return send(404, { error: 'unknown version' });
        await current.servers?.close();
        current.servers = null;
        current.state = 'retired';
        return send(200, doc(version, current));
      }
      return send(400, { error: 'unknown action' });
    }
    const status = /^\/status\/([^/]+)\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && status) {
      const version = decodeURIComponent(status[2] as string);
      const e = entries.get(version);
      if (!e) return send(404, { error: 'unknown version' });
      if (e.state === 'pending' && version !== 'stuck' && ++e.polls >= pollsUntilReady) e.state = 'ready';
      return send(200, doc(version, e));
    }
    if (req.method === 'GET' && /^\/list\/[^/]+$/.test(path))
      return send(200, { deployments: [...entries].map(([v, e]) => doc(v, e)) });
    send(404, { error: 'no such endpoint' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    deployUrl: `${base}/hooks/secret-token/deploy`,
    statusUrl: `${base}/status/{service}/{version}`,
    listUrl: `${base}/list/{service}`,
    secret,
    requests,
    starts,
    close: async () => {
      await Promise.all([...entries.values()].map((e) => e.servers?.close()));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
