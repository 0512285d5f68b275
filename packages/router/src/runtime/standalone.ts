import { hostname } from 'node:os';
import { SnapshotStore } from '../state/index.js';
import { ConfigSubscription, countsPath, Heartbeat, postJson } from '../subscription/index.js';
import { CountsFeed } from '../telemetry/index.js';
import { createRouter } from './router.js';
import type { Logger, Router, RouterOptions } from './types.js';

export interface StandaloneOptions {
  controlPlaneUrl: string;
  /** A token with the `router` scope. */
  token: string;
  port: number;
  host?: string;
  adminPort: number;
  adminHost?: string;
  stateDir: string;
  /** Defaults to an id made once and kept in the state directory. */
  routerId?: string;
  /** The admin URL the control plane should use; derived from the admin address otherwise. */
  advertiseAdminUrl?: string;
  heartbeatIntervalMs?: number;
  /** Per-version counts are pushed this long after they change (default 100 ms). */
  countsCoalesceMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  idleTimeoutMs?: number;
  log?: Logger;
  /** Passed through to createRouter (timeouts, limits, clock). */
  router?: Partial<Omit<RouterOptions, 'listen' | 'adminListen' | 'stateDir' | 'log'>>;
}

export interface StandaloneRouter {
  router: Router;
  routerId: string;
  subscription: ConfigSubscription;
  heartbeat: Heartbeat;
  counts: CountsFeed;
  close(): Promise<void>;
}

/** JSON lines on stderr: what `sluice router` prints. */
export const stderrLogger: Logger = (level, msg, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};

/**
 * `sluice router --control-plane URL`: serves the last saved configuration at once, follows the
 * control plane's stream for new ones and heartbeats its state. With the control plane away it
 * keeps serving and keeps retrying.
 */
export async function runStandaloneRouter(options: StandaloneOptions): Promise<StandaloneRouter> {
  const log = options.log ?? stderrLogger;
  const routerId = options.routerId ?? (await new SnapshotStore(options.stateDir).routerId());
  const router = await createRouter({
    ...options.router,
    listen: { port: options.port, host: options.host ?? '0.0.0.0' },
    adminListen: { port: options.adminPort, host: options.adminHost ?? '127.0.0.1' },
    stateDir: options.stateDir,
    log,
  });
  const subscription = new ConfigSubscription({
    controlPlaneUrl: options.controlPlaneUrl,
    token: options.token,
    onSnapshot: (snapshot) => router.applyConfig(snapshot),
    log,
    ...(options.initialBackoffMs === undefined ? {} : { initialBackoffMs: options.initialBackoffMs }),
    ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
  });
  const baseStatus = router.status.bind(router);
  router.status = () => ({
    ...baseStatus(),
    controlPlane: {
      connected: subscription.state.connected,
      lastSnapshotAt: subscription.state.lastSnapshotAt,
      lastError: subscription.state.lastError,
    },
  });
  const adminUrl = () => {
    if (options.advertiseAdminUrl) return options.advertiseAdminUrl;
    const a = router.status().admin;
    if (!a) return null;
    const host = a.host === '0.0.0.0' || a.host === '::' ? hostname() : a.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  };
  const heartbeat = new Heartbeat({
    controlPlaneUrl: options.controlPlaneUrl,
    token: options.token,
    routerId,
    ...(options.heartbeatIntervalMs === undefined ? {} : { intervalMs: options.heartbeatIntervalMs }),
    log,
    body: () => {
      const status = router.status();
      return {
        adminUrl: adminUrl(),
        configVersion: status.configVersion,
        health: {
          healthy: status.health.every((h) => h.healthy),
          controlPlaneConnected: subscription.state.connected,
          upstreams: status.health,
          recentEvents: status.recentHealthEvents,
          persistError: status.persistError,
        },
      };
    },
  });
  // the control plane judges canaries on these as they arrive (fast rollback)
  const countsUrl = new URL(countsPath(routerId), options.controlPlaneUrl);
  const counts = new CountsFeed({
    metrics: router.metrics,
    ...(options.countsCoalesceMs === undefined ? {} : { coalesceMs: options.countsCoalesceMs }),
    deliver: async (versions) => {
      const status = await postJson(countsUrl, options.token, { versions }, 2_000);
      if (status !== 202 && status !== 200) log('debug', 'counts push not accepted', { status });
    },
  });
  subscription.start();
  heartbeat.start();
  counts.start();
  // Report a health change at once instead of at the next beat.
  router.events.on('health', () => heartbeat.beatNow());
  return {
    router,
    routerId,
    subscription,
    heartbeat,
    counts,
    async close() {
      counts.stop();
      heartbeat.stop();
      await subscription.stop();
      await router.close();
    },
  };
}
