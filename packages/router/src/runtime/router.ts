import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { parseRouterSnapshot, type RouterSnapshot } from '../config/index.js';
import { HealthChecker, type HealthEvent } from '../health/index.js';
import { AgentPool, Mirror } from '../proxy/index.js';
import { SnapshotStore } from '../state/index.js';
import { compileTable, EMPTY_TABLE, type RoutingTable } from '../table/index.js';
import { RouterMetrics, renderPrometheus } from '../telemetry/index.js';
import { createAdminHandler, routerGauges } from './admin.js';
import { closeServer, createProxyServer, listen, liveOrigins } from './serve.js';
import type { ApplyResult, Router, RouterOptions, RouterStatus } from './types.js';
import { seriesKey } from './worker-protocol.js';
import { checkWorkers, WorkerGroup } from './workers.js';

const MAX_RECENT_EVENTS = 50;

/**
 * The data plane, embedded or standalone. One reference holds the compiled table; applying a
 * snapshot builds a new table and swaps that reference, then persists the snapshot.
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const workerCount = checkWorkers(options.workers ?? 1);
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

  let workers: WorkerGroup | undefined;
  const unhealthyKeys = () =>
    health
      .states()
      .filter((s) => !s.healthy)
      .map((s) => seriesKey(s.route, s.version));
  const applyHealth = (table: RoutingTable) => {
    for (const route of table.routes) route.balancer.applyHealth((v) => health.isHealthy(route.name, v));
    workers?.setHealth(unhealthyKeys());
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

  const isLive = (route: string, version: string) =>
    current.byName.get(route)?.versions.has(version) === true;
  // a version that left the configuration keeps its series while its window holds requests; a
  // prune each window removes it then, without waiting for the next configuration (and requests
  // a worker reports late cannot keep it)
  const pruneEveryMs = Math.min(Math.max(metrics.retentionMs, 1_000), 600_000);
  const pruning = setInterval(() => metrics.prune(isLive, now()), pruneEveryMs);
  pruning.unref();

  const swap = (snapshot: RouterSnapshot, from: RouterStatus['source']) => {
    const table = compileTable(snapshot);
    health.reconcile(table);
    applyHealth(table);
    current = table;
    source = from;
    appliedAt = now();
    agents.retain(liveOrigins(table));
    metrics.prune(isLive, now());
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
  const limits = {
    maxHeaderSize: options.maxHeaderSize,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  // With workers, they proxy and this process accepts; otherwise this process proxies itself.
  const server = workerCount === 1 ? createProxyServer(deps, limits) : undefined;
  if (workerCount > 1) {
    workers = new WorkerGroup(
      workerCount,
      {
        limits,
        upstreamIdleMs: options.upstreamIdleMs,
        maxMirrorsInFlight: options.maxMirrorsInFlight ?? 64,
        trustForwarded,
      },
      metrics,
      log,
    );
  }

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
      // Applied means every worker serves it (a weight change reaches all of them before this returns).
      await workers?.applyConfig(current.snapshot);
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
        ...(workers ? { workers: workers.info() } : {}),
      };
    },
    prometheus: () => renderPrometheus(metrics, routerGauges(router)),
    async close() {
      clearInterval(pruning);
      health.close();
      // WebSocket tunnels have no request boundary to wait for: they end with the router.
      for (const socket of tunnels) socket.destroy();
      const graceMs = options.closeGraceMs ?? 10_000;
      await Promise.all([
        server ? closeServer(server, graceMs) : Promise.resolve(),
        workers?.close(graceMs),
        admin ? closeServer(admin, 1_000) : Promise.resolve(),
      ]);
      agents.close();
    },
  };

  try {
    listenAddr = server
      ? await listen(server, options.listen)
      : await (workers as WorkerGroup).start(
          current === EMPTY_TABLE ? null : current.snapshot,
          unhealthyKeys(),
          options.listen,
        );
    if (options.adminListen) {
      admin = http.createServer(createAdminHandler(router, now));
      adminAddr = await listen(admin, options.adminListen);
    }
  } catch (err) {
    clearInterval(pruning);
    health.close();
    if (server?.listening) await closeServer(server, 0);
    await workers?.close(0);
    agents.close();
    throw err;
  }
  return router;
}
