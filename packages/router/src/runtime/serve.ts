/** The proxy's HTTP server and the table helpers shared by a single-process router and its workers. */
import http from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import {
  createRequestHandler,
  createUpgradeHandler,
  handleClientError,
  type ProxyDeps,
} from '../proxy/index.js';
import type { RoutingTable } from '../table/index.js';
import type { ListenOptions } from './types.js';

/** The limits of the client-facing server (RouterOptions' fields of the same names). */
export interface ServerLimits {
  maxHeaderSize?: number | undefined;
  headersTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

export function createProxyServer(deps: ProxyDeps, limits: ServerLimits): http.Server {
  const headersTimeout = limits.headersTimeoutMs ?? 60_000;
  const server = http.createServer({
    maxHeaderSize: limits.maxHeaderSize ?? 16 * 1024,
    requireHostHeader: true,
    keepAliveTimeout: 5_000,
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs ?? 300_000),
    // How often node looks for connections past those limits.
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(headersTimeout / 4))),
  });
  server.on('request', createRequestHandler(deps));
  server.on('upgrade', createUpgradeHandler(deps));
  server.on('clientError', handleClientError);
  return server;
}

/** Origins that can still receive traffic: a version with weight, a match target or a mirror. */
export function liveOrigins(table: RoutingTable): Set<string> {
  const live = new Set<string>();
  for (const route of table.routes) {
    const pinned = new Set(route.config.match.map((m) => m.version));
    if (route.config.mirror) pinned.add(route.config.mirror.version);
    for (const v of route.versions.values()) {
      if ((route.config.weights[v.name] ?? 0) > 0 || pinned.has(v.name)) live.add(v.poolKey);
    }
  }
  return live;
}

export function listen(server: Server, opts: ListenOptions): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

export function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
