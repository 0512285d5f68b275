/**
 * A router worker process: proxies the client connections its primary hands over, with the
 * table the primary sends, and sends back every request's outcome in batches (the primary's
 * metrics are the router's). Started by `WorkerGroup`; not a public entry point.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RouterSnapshot } from '../config/index.js';
import { AgentPool, Mirror } from '../proxy/index.js';
import { compileTable, EMPTY_TABLE, type RoutingTable } from '../table/index.js';
import { type MirrorComparison, type RequestOutcome, RouterMetrics } from '../telemetry/index.js';
import { createProxyServer, liveOrigins } from './serve.js';
import { type OutcomeBatch, seriesKey, type ToWorker } from './worker-protocol.js';

/** How long outcomes wait to be sent together (the counts feed coalesces over 100 ms). */
const BATCH_MS = 20;

/** Metrics that are not kept here but relayed to the primary. */
class RelayedMetrics extends RouterMetrics {
  private pendingSeries = new Map<string, [string, string, number[]]>();
  private pendingMirrors: OutcomeBatch['mirrors'] = [];
  private pendingSkips: OutcomeBatch['skips'] = [];
  private timer: NodeJS.Timeout | undefined;

  override record(route: string, version: string, outcome: RequestOutcome, now: number): void {
    const key = seriesKey(route, version);
    let s = this.pendingSeries.get(key);
    if (!s) {
      s = [route, version, []];
      this.pendingSeries.set(key, s);
    }
    s[2].push(outcome.status, outcome.seconds, now, outcome.shadow ? 1 : 0);
    this.schedule();
  }

  override compareMirror(route: string, primary: string, shadow: string, c: MirrorComparison, now?: number) {
    this.pendingMirrors.push([
      route,
      primary,
      shadow,
      c.primaryStatus,
      c.shadowStatus,
      c.primarySeconds,
      c.shadowSeconds,
      now ?? -1,
    ]);
    this.schedule();
  }

  override skipMirror(route: string, primary: string, shadow: string): void {
    this.pendingSkips.push([route, primary, shadow]);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Sends what was recorded; `sent` is called once it is on its way (or there was nothing). */
  flush(sent?: () => void): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingSeries.size === 0 && this.pendingMirrors.length === 0 && this.pendingSkips.length === 0) {
      sent?.();
      return;
    }
    const batch: OutcomeBatch = {
      type: 'outcomes',
      series: [...this.pendingSeries.values()],
      mirrors: this.pendingMirrors,
      skips: this.pendingSkips,
    };
    this.pendingSeries = new Map();
    this.pendingMirrors = [];
    this.pendingSkips = [];
    process.send?.(batch, undefined, undefined, () => sent?.());
  }
}

/**
 * Lets the connections handed to this worker finish their requests (idle ones close at once,
 * busy ones when their response is done), cutting what is left after `graceMs`. The server
 * never listened, so node's server.close() would not wait for them: this waits itself.
 */
function drain(server: Server, connections: Set<Socket>, graceMs: number): Promise<void> {
  server.close(() => {}); // stops node's slow-client checks; says "not running", as expected
  const deadline = Date.now() + graceMs;
  return new Promise((resolve) => {
    const check = () => {
      server.closeIdleConnections();
      if (connections.size === 0) return resolve();
      if (Date.now() >= deadline) {
        server.closeAllConnections();
        for (const socket of connections) socket.destroy();
        return resolve();
      }
      setTimeout(check, 25);
    };
    check();
  });
}

function run(init: Extract<ToWorker, { type: 'init' }>): void {
  const { settings } = init;
  const metrics = new RelayedMetrics();
  const agents = new AgentPool(
    settings.upstreamIdleMs === undefined ? {} : { idleMs: settings.upstreamIdleMs },
  );
  let current: RoutingTable = EMPTY_TABLE;
  let unhealthy = new Set<string>(init.unhealthy);

  const applyHealth = (table: RoutingTable) => {
    for (const route of table.routes) {
      route.balancer.applyHealth((v) => !unhealthy.has(seriesKey(route.name, v)));
    }
  };
  const swap = (snapshot: RouterSnapshot) => {
    const table = compileTable(snapshot);
    applyHealth(table);
    current = table;
    agents.retain(liveOrigins(table));
  };
  if (init.snapshot) swap(init.snapshot);

  const now = Date.now;
  const mirror = new Mirror({
    agents,
    metrics,
    now,
    maxInFlight: settings.maxMirrorsInFlight,
    trustForwarded: settings.trustForwarded,
  });
  const tunnels = new Set<Duplex>();
  const server = createProxyServer(
    { table: () => current, agents, metrics, now, mirror, tunnels, trustForwarded: settings.trustForwarded },
    settings.limits,
  );
  // The server never listens (the primary accepts and hands connections over), so start node's
  // checks for slow clients (headersTimeout, requestTimeout) the way listen() would.
  server.emit('listening');

  let closing = false;
  const connections = new Set<Socket>();
  process.on('message', (msg: ToWorker, handle?: Socket) => {
    switch (msg.type) {
      case 'connection':
        if (!handle) return;
        if (closing) {
          handle.destroy();
          return;
        }
        connections.add(handle);
        handle.once('close', () => connections.delete(handle));
        server.emit('connection', handle);
        return;
      case 'config':
        swap(msg.snapshot);
        process.send?.({ type: 'applied', seq: msg.seq });
        return;
      case 'health':
        unhealthy = new Set(msg.unhealthy);
        applyHealth(current);
        return;
      case 'close':
        closing = true;
        for (const socket of tunnels) socket.destroy();
        void drain(server, connections, msg.graceMs).then(() => {
          agents.close();
          metrics.flush(() => process.disconnect?.());
        });
        return;
      default:
        return;
    }
  });
  process.send?.({ type: 'ready' });
}

// The primary going away (crash or kill) ends its workers too: they would serve a stale table.
process.on('disconnect', () => process.exit(0));
process.once('message', (msg: ToWorker) => {
  if (msg.type === 'init') run(msg);
});
