import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VersionServers {
  /** version → `http://127.0.0.1:port` */
  urls: Record<string, string>;
  /** Stops one server (a version going away). */
  stop(version: string): Promise<void>;
  close(): Promise<void>;
}

/** Small node:http servers on 127.0.0.1, one per version, answering `GET /health` with `{status, version}`. */
export async function startVersionServers(versions: readonly string[]): Promise<VersionServers> {
  const servers = new Map<string, http.Server>();
  const urls: Record<string, string> = {};
  for (const version of versions) {
    const server = http.createServer((req, res) => {
      const ok = req.url === '/health' || req.url === '/api/v2/status';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'not found', version }));
    });
    server.keepAliveTimeout = 500;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.set(version, server);
    urls[version] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const stop = (version: string) =>
    new Promise<void>((r) => {
      const server = servers.get(version);
      if (!server) return r();
      servers.delete(version);
      server.closeAllConnections();
      server.close(() => r());
    });
  return { urls, stop, close: async () => void (await Promise.all([...servers.keys()].map(stop))) };
}
