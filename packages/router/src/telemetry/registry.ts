import { SlidingWindow, type WindowStats } from './window.js';

/** Upper bounds (seconds) of the Prometheus histogram buckets. */
export const PROM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface RequestOutcome {
  /** HTTP status returned to the client (or by the shadow); 0 when no response came back. */
  status: number;
  seconds: number;
  /** Served as the shadow copy of a mirrored request. */
  shadow?: boolean;
}

export interface SeriesTotals {
  route: string;
  version: string;
  requests: number;
  errors: number;
  shadowRequests: number;
  latencySum: number;
  /** Cumulative counts per PROM_BUCKETS bound (last entry: +Inf). (Kept per bucket inside.) */
  buckets: number[];
}

/** One version's lifetime counts, as the router pushes them to the control plane. */
export interface VersionCounts {
  route: string;
  version: string;
  requests: number;
  errors: number;
}

export interface MirrorComparison {
  primaryStatus: number;
  shadowStatus: number;
  primarySeconds: number;
  shadowSeconds: number;
}

export interface MirrorTotals {
  route: string;
  primary: string;
  shadow: string;
  compared: number;
  statusMismatches: number;
  primarySecondsSum: number;
  shadowSecondsSum: number;
  /** Mirrors dropped (body too large, too many in flight). */
  skipped: number;
}

/** 5xx responses and connection failures (status 0) are errors. */
export function isError(status: number): boolean {
  return status === 0 || status >= 500;
}

interface Series {
  window: SlidingWindow;
  totals: SeriesTotals;
  lastAt: number;
}

/**
 * Per route and version RED figures, in process: the control plane's builtin metric provider
 * reads `window()` directly, no database in between. Lifetime totals feed Prometheus.
 */
export class RouterMetrics {
  private readonly series = new Map<string, Series>();
  /** The same series by route, then version: found per request with no key string to build. */
  private readonly byRoute = new Map<string, Map<string, Series>>();
  private readonly mirrors = new Map<string, MirrorTotals>();
  /** Per route and shadow version: each comparison a sample, a status mismatch its "error". */
  private readonly mismatches = new Map<string, SlidingWindow>();
  readonly retentionMs: number;
  /** Called after every recorded request (the counts push coalesces these); keep it cheap. */
  onRecord: (() => void) | null = null;

  constructor(options: { retentionMs?: number } = {}) {
    this.retentionMs = options.retentionMs ?? 600_000;
  }

  private get(route: string, version: string): Series {
    let versions = this.byRoute.get(route);
    if (versions === undefined) {
      versions = new Map();
      this.byRoute.set(route, versions);
    }
    let s = versions.get(version);
    if (!s) {
      s = {
        window: new SlidingWindow(this.retentionMs),
        totals: {
          route,
          version,
          requests: 0,
          errors: 0,
          shadowRequests: 0,
          latencySum: 0,
          buckets: new Array(PROM_BUCKETS.length + 1).fill(0),
        },
        lastAt: 0,
      };
      this.series.set(`${route}\u0000${version}`, s);
      versions.set(version, s);
    }
    return s;
  }

  record(route: string, version: string, outcome: RequestOutcome, now: number): void {
    const s = this.get(route, version);
    s.lastAt = now;
    const error = isError(outcome.status);
    s.window.record(now, outcome.seconds, error);
    const t = s.totals;
    t.requests++;
    if (error) t.errors++;
    if (outcome.shadow) t.shadowRequests++;
    t.latencySum += outcome.seconds;
    // one count in the first bucket that holds it; totals() makes them cumulative
    let b = 0;
    while (b < PROM_BUCKETS.length && outcome.seconds > (PROM_BUCKETS[b] as number)) b++;
    t.buckets[b] = (t.buckets[b] ?? 0) + 1;
    this.onRecord?.();
  }

  /** Lifetime requests and errors per route and version, without copying the buckets. */
  counts(): VersionCounts[] {
    return [...this.series.values()].map(({ totals: t }) => ({
      route: t.route,
      version: t.version,
      requests: t.requests,
      errors: t.errors,
    }));
  }

  /**
   * Requests, errors, error rate (%) and p50/p95/p99 (seconds) of a route's version over the
   * last `windowMs` before `now` (capped at the retention). Unknown series read as empty.
   */
  window(route: string, version: string, windowMs: number, now: number): WindowStats {
    const s = this.series.get(`${route}\u0000${version}`);
    if (!s) return { requests: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null };
    return s.window.read(Math.min(windowMs, this.retentionMs), now);
  }

  private mirror(route: string, primary: string, shadow: string): MirrorTotals {
    const key = `${route}\u0000${primary}\u0000${shadow}`;
    let m = this.mirrors.get(key);
    if (!m) {
      m = {
        route,
        primary,
        shadow,
        compared: 0,
        statusMismatches: 0,
        primarySecondsSum: 0,
        shadowSecondsSum: 0,
        skipped: 0,
      };
      this.mirrors.set(key, m);
    }
    return m;
  }

  /** Records how a shadow answered compared with the primary it copied (`now` feeds the window). */
  compareMirror(route: string, primary: string, shadow: string, c: MirrorComparison, now?: number): void {
    const m = this.mirror(route, primary, shadow);
    m.compared++;
    const mismatch = c.primaryStatus !== c.shadowStatus;
    if (mismatch) m.statusMismatches++;
    if (now !== undefined) {
      const key = `${route}\u0000${shadow}`;
      let w = this.mismatches.get(key);
      if (!w) {
        w = new SlidingWindow(this.retentionMs);
        this.mismatches.set(key, w);
      }
      w.record(now, c.shadowSeconds, mismatch);
    }
    m.primarySecondsSum += c.primarySeconds;
    m.shadowSecondsSum += c.shadowSeconds;
  }

  /**
   * Mirrored requests compared and how many got a different status from the shadow `version`
   * than from the primary, over the last `windowMs` before `now`.
   */
  mirrorWindow(
    route: string,
    version: string,
    windowMs: number,
    now: number,
  ): { compared: number; mismatches: number } {
    const w = this.mismatches.get(`${route}\u0000${version}`);
    if (!w) return { compared: 0, mismatches: 0 };
    const read = w.read(Math.min(windowMs, this.retentionMs), now);
    return { compared: read.requests, mismatches: read.errors };
  }

  skipMirror(route: string, primary: string, shadow: string): void {
    this.mirror(route, primary, shadow).skipped++;
  }

  /**
   * Forgets series of versions that left the configuration once their window has emptied, so
   * a long-lived router does not keep every version it ever served.
   */
  prune(isLive: (route: string, version: string) => boolean, now: number): number {
    let removed = 0;
    for (const [key, s] of this.series) {
      if (isLive(s.totals.route, s.totals.version) || now - s.lastAt <= this.retentionMs) continue;
      this.series.delete(key);
      const versions = this.byRoute.get(s.totals.route);
      versions?.delete(s.totals.version);
      if (versions?.size === 0) this.byRoute.delete(s.totals.route);
      removed++;
    }
    for (const [key, m] of this.mirrors) {
      if (!this.series.has(`${m.route}\u0000${m.shadow}`) && !isLive(m.route, m.shadow)) {
        this.mirrors.delete(key);
        this.mismatches.delete(`${m.route}\u0000${m.shadow}`);
      }
    }
    return removed;
  }

  totals(): SeriesTotals[] {
    return [...this.series.values()].map((s) => {
      let sum = 0;
      const buckets = s.totals.buckets.map((n) => {
        sum += n;
        return sum;
      });
      return { ...s.totals, buckets };
    });
  }

  mirrorTotals(): MirrorTotals[] {
    return [...this.mirrors.values()].map((m) => ({ ...m }));
  }
}
