import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseRouterSnapshot, type RouterSnapshot } from '../config/index.js';
import { HealthChecker, type HealthEvent } from '../health/index.js';
import {
  AgentPool,
  createRequestHandler,
  createUpgradeHandler,
  handleClientError,
  Mirror,
} from '../proxy/index.js';
import { SnapshotStore } from '../state/index.js';
import { compileTable, EMPTY_TABLE, type RoutingTable } from '../table/index.js';
import { RouterMetrics, renderPrometheus } from '../telemetry/index.js';
import { createAdminHandler, routerGauges } from './admin.js';
import type { ApplyResult, ListenOptions, Router, RouterOptions, RouterStatus } from './types.js';

const MAX_RECENT_EVENTS = 50;

/** Origins that can still receive traffic: a version with weight, a match target or a mirror. */
function liveOrigins(table: RoutingTable): Set<string> {
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

function listen(server: http.Server, opts: ListenOptions): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

function closeServer(server: http.Server, graceMs: number): Promise<void> {
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

/**
 * The data plane, embedded or standalone. One reference holds the compiled table; applying a
 * snapshot builds a new table and swaps that reference, then persists the snapshot.
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const metrics = new RouterMetrics(
    options.metricsRetentionMs === undefined ? {} : { retentionMs: options.metricsRetentionMs },
  );
  const events = new EventEmitter();
  const agents = new AgentPool(
    options.upstreamIdleMs === undefined ? {} : { idleMs: options.upstreamIdleMs },
  );
  const store = options.stateDir ? new SnapshotStore(options.stateDir) : undefined;
  const recentEvents: HealthEvent[] = [];

  let current: RoutingTable = EMPTY_TABLE;
  let source: RouterStatus['source'] = 'none';
  let appliedAt: number | null = null;
  let persistError: string | null = null;
  let persistChain: Promise<void> = Promise.resolve();

  const applyHealth = (table: RoutingTable) => {
    for (const route of table.routes) route.balancer.applyHealth((v) => health.isHealthy(route.name, v));
  };

  const health = new HealthChecker({
    now,
    onChange: (event) => {
      recentEvents.push(event);
      if (recentEvents.length > MAX_RECENT_EVENTS) recentEvents.shift();
      applyHealth(current);
      log(event.healthy ? 'info' : 'warn', 'upstream health changed', { ...event });
      options.onHealthChange?.(event);
      events.emit('health', event);
    },
  });

  const swap = (snapshot: RouterSnapshot, from: RouterStatus['source']) => {
    const table = compileTable(snapshot);
    health.reconcile(table);
    applyHealth(table);
    current = table;
    source = from;
    appliedAt = now();
    agents.retain(liveOrigins(table));
    metrics.prune((route, version) => table.byName.get(route)?.versions.has(version) === true, now());
    events.emit('config', { version: table.version });
  };

  if (store) {
    const loaded = await store.load();
    if (loaded.kind === 'loaded') {
      swap(loaded.snapshot, 'disk');
      log('info', 'serving the last saved configuration', { version: loaded.snapshot.version });
    } else if (loaded.kind === 'invalid') {
      log('error', 'saved configuration unreadable; starting empty', { error: String(loaded.error) });
    }
  }

  const trustForwarded = options.trustForwardedHeaders === true;
  const mirror = new Mirror({
    agents,
    metrics,
    now,
    maxInFlight: options.maxMirrorsInFlight ?? 64,
    trustForwarded,
  });
  const tunnels = new Set<Duplex>();
  const deps = { table: () => current, agents, metrics, now, mirror, tunnels, trustForwarded };
  const headersTimeout = options.headersTimeoutMs ?? 60_000;
  const server = http.createServer({
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    requireHostHeader: true,
    keepAliveTimeout: 5_000,
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? 300_000),
    // How often node looks for connections past those limits.
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(headersTimeout / 4))),
  });
  server.on('request', createRequestHandler(deps));
  server.on('upgrade', createUpgradeHandler(deps));
  server.on('clientError', handleClientError);

  let listenAddr: { host: string; port: number } | null = null;
  let adminAddr: { host: string; port: number } | null = null;
  let admin: http.Server | undefined;

  const router: Router = {
    metrics,
    events,
    table: () => current,
    async applyConfig(input, applyOptions = {}) {
      const snapshot = parseRouterSnapshot(input);
      const sameEpoch = snapshot.epoch === current.snapshot.epoch;
      if (!applyOptions.force && source !== 'none' && sameEpoch && snapshot.version <= current.version) {
        return { applied: false, version: current.version, reason: 'stale' } satisfies ApplyResult;
      }
      swap(snapshot, 'applied');
      log('info', 'configuration applied', { version: snapshot.version, routes: snapshot.routes.length });
      if (store) {
        // Saves run in order, so an older snapshot can never overwrite a newer one.
        persistChain = persistChain
          .then(() => store.save(snapshot))
          .then(
            () => {
              persistError = null;
            },
            (err: unknown) => {
              persistError = String(err);
              log('error', 'could not save the configuration', { error: persistError });
            },
          );
        await persistChain;
      }
      return { applied: true, version: snapshot.version };
    },
    status() {
      return {
        configVersion: current.version,
        appliedAt,
        source,
        listen: listenAddr,
        admin: adminAddr,
        routes: current.routes.map((route) => ({
          name: route.name,
          host: route.host ?? null,
          pathPrefix: route.prefix,
          versions: [...route.versions.values()].map((v) => ({
            name: v.name,
            url: v.url.toString(),
            weight: route.config.weights[v.name] ?? 0,
            effectiveWeight: route.balancer.weightOf(v.name),
            healthy: health.isHealthy(route.name, v.name),
          })),
          mirror: route.config.mirror
            ? { version: route.config.mirror.version, percent: route.config.mirror.percent }
            : null,
          sticky: route.config.sticky !== undefined,
        })),
        health: health.states(),
        recentHealthEvents: [...recentEvents],
        persistError,
      };
    },
    prometheus: () => renderPrometheus(metrics, routerGauges(router)),
    async close() {
      health.close();
      // WebSocket tunnels have no request boundary to wait for: they end with the router.
      for (const socket of tunnels) socket.destroy();
      await Promise.all([
        closeServer(server, options.closeGraceMs ?? 10_000),
        admin ? closeServer(admin, 1_000) : Promise.resolve(),
      ]);
      agents.close();
    },
  };

  try {
    listenAddr = await listen(server, options.listen);
    if (options.adminListen) {
      admin = http.createServer(createAdminHandler(router, now));
      adminAddr = await listen(admin, options.adminListen);
    }
  } catch (err) {
    health.close();
    if (server.listening) await closeServer(server, 0);
    agents.close();
    throw err;
  }
  return router;
}
