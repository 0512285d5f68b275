/**
 * The router configuration the control plane publishes: every Route resource, as one
 * versioned snapshot (version = the router generation, which moves in the same transaction as
 * each Route change). The embedded router gets each new snapshot at once; standalone routers
 * follow the SSE stream. Routers report back with heartbeats.
 */
import { parseRouterSnapshot, type RouterSnapshot } from '@sluice/router/config';
import { readGenerations } from '../environments/generation.js';
import { quotaExceeded } from '../http/quota.js';
import { createResourceStore } from '../resources/resource-store.kysely.js';
import type { Executor } from '../storage/index.js';
import { ROUTER_GENERATION, type RouteSpec, toRouteConfig } from './route.kind.js';

export interface RouterHeartbeat {
  routerId: string;
  adminUrl: string | null;
  configVersion: number;
  health: Record<string, unknown>;
  lastSeen: string;
}

/** Router ids per token and how long a heartbeat counts (config `quotas`). */
export interface HeartbeatLimits {
  perToken: number;
  staleMs: number;
}

export const DEFAULT_HEARTBEAT_LIMITS: HeartbeatLimits = { perToken: 64, staleMs: 600_000 };

/** Largest `health` a heartbeat may carry, as JSON. */
export const MAX_HEALTH_BYTES = 64 * 1024;

export type SnapshotListener = (snapshot: RouterSnapshot) => void;

/** Lifetime counts of one route's version at one router, as it pushed them. */
export interface PushedCounts {
  route: string;
  version: string;
  requests: number;
  errors: number;
}
/** `source`: "embedded" or the standalone router's id. */
export type CountsListener = (source: string, counts: readonly PushedCounts[]) => void;

export class RouterConfigService {
  private latest: RouterSnapshot | null = null;
  private readonly listeners = new Set<SnapshotListener>();
  private readonly heartbeats = new Map<string, RouterHeartbeat>();
  private timer: NodeJS.Timeout | undefined;
  private building: Promise<RouterSnapshot> | undefined;
  private readonly streams = new Set<() => void>();
  private readonly countsListeners = new Set<CountsListener>();

  /** Which token reported each router id: a token's ids are counted against its quota. */
  private readonly reporters = new Map<string, string>();

  constructor(
    private readonly db: Executor,
    private readonly now: () => Date = () => new Date(),
    private readonly log: (message: string, error?: unknown) => void = () => {},
    private readonly limits: HeartbeatLimits = DEFAULT_HEARTBEAT_LIMITS,
  ) {}

  async start(pollMs = 1000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(
      () => void this.refresh().catch((e) => this.log('refreshing the router snapshot failed', e)),
      pollMs,
    );
    this.timer.unref();
  }

  /** Stops polling and ends every open stream, so a shutdown does not wait on them. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const end of this.streams) end();
    this.streams.clear();
  }

  /** Tracks an open stream; `end` is called on stop. Returns the unregister function. */
  trackStream(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  /** The current snapshot (built on first use). */
  async snapshot(): Promise<RouterSnapshot> {
    return this.latest ?? this.refresh();
  }

  onSnapshot(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rebuilds when the router generation moved; announces a new snapshot. */
  refresh(): Promise<RouterSnapshot> {
    this.building ??= (async () => {
      try {
        const version = (await readGenerations(this.db)).get(ROUTER_GENERATION) ?? 0;
        if (this.latest && this.latest.version === version) return this.latest;
        const snapshot = await this.build(version);
        this.latest = snapshot;
        for (const l of this.listeners) l(snapshot);
        return snapshot;
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }

  /**
   * Keeps a router's last heartbeat. A token reports for at most `perToken` router ids at once
   * (QUOTA_EXCEEDED past that); heartbeats older than `staleMs` are dropped (issue 13, M2).
   */
  recordHeartbeat(
    routerId: string,
    beat: Omit<RouterHeartbeat, 'routerId' | 'lastSeen'>,
    tokenKey = '',
  ): RouterHeartbeat {
    this.dropStale();
    if (this.reporters.get(routerId) !== tokenKey) {
      let held = 0;
      for (const key of this.reporters.values()) if (key === tokenKey) held++;
      if (held >= this.limits.perToken)
        throw quotaExceeded(
          `this token already reports for ${held} routers (at most ${this.limits.perToken}); ` +
            `reuse a router id, or wait ${Math.round(this.limits.staleMs / 1000)} s for stale ones to go`,
          Math.ceil(this.limits.staleMs / 1000),
        );
    }
    const entry = { routerId, ...beat, lastSeen: this.now().toISOString() };
    this.heartbeats.set(routerId, entry);
    this.reporters.set(routerId, tokenKey);
    return entry;
  }

  /** A router's counts moved: tell whoever judges canaries on them (fast rollback). */
  recordCounts(source: string, counts: readonly PushedCounts[]): void {
    for (const l of this.countsListeners) {
      try {
        l(source, counts);
      } catch (error) {
        this.log('a counts listener failed', error);
      }
    }
  }

  onCounts(listener: CountsListener): () => void {
    this.countsListeners.add(listener);
    return () => this.countsListeners.delete(listener);
  }

  routers(): RouterHeartbeat[] {
    this.dropStale();
    return [...this.heartbeats.values()].sort((a, b) => a.routerId.localeCompare(b.routerId));
  }

  private dropStale(): void {
    const oldest = this.now().getTime() - this.limits.staleMs;
    for (const [id, beat] of this.heartbeats)
      if (Date.parse(beat.lastSeen) < oldest) {
        this.heartbeats.delete(id);
        this.reporters.delete(id);
      }
  }

  private async build(version: number): Promise<RouterSnapshot> {
    const store = createResourceStore(this.db);
    const routes: unknown[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.list('Route', null, { limit: 500, cursor });
      for (const r of page) routes.push(toRouteConfig(r.metadata.name, r.spec as RouteSpec));
      if (page.length < 500) break;
      cursor = page.at(-1)?.metadata.name;
    }
    // each route was valid when written; the whole set is checked again (host+prefix overlaps)
    return parseRouterSnapshot({ version, generatedAt: this.now().toISOString(), routes });
  }
}
