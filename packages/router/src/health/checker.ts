import http from 'node:http';
import https from 'node:https';
import type { HealthCheckConfig } from '../config/index.js';
import type { RoutingTable } from '../table/index.js';

export interface HealthState {
  route: string;
  version: string;
  url: string;
  healthy: boolean;
  /** When the current state began (ms since the epoch). */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastCheckedAt: number | null;
  lastError: string | null;
}

export interface HealthEvent {
  route: string;
  version: string;
  healthy: boolean;
  reason: string;
  at: number;
}

type Tls = { ca?: string; servername?: string } | undefined;

interface Wanted {
  route: string;
  version: string;
  url: string;
  check: HealthCheckConfig;
  tls: Tls;
}

interface Target {
  state: HealthState;
  check: HealthCheckConfig;
  tls: Tls;
  /** Identity of what is checked; a change restarts the target with fresh state. */
  signature: string;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

export interface HealthCheckerOptions {
  now: () => number;
  onChange: (event: HealthEvent) => void;
}

/**
 * Active health checks per route and version, as configured in the snapshot. A version starts
 * healthy (a new table serves at once), goes unhealthy after `unhealthyThreshold` consecutive
 * failures and comes back after `healthyThreshold` successes. Checks run one at a time per
 * target, each bounded by its timeout.
 */
export class HealthChecker {
  private readonly targets = new Map<string, Target>();
  constructor(private readonly options: HealthCheckerOptions) {}

  /** Starts checks the table adds, stops those it drops, keeps the state of unchanged ones. */
  reconcile(table: RoutingTable): void {
    const wanted = new Map<string, Wanted>();
    for (const route of table.routes) {
      const check = route.config.healthCheck;
      if (!check) continue;
      for (const v of route.versions.values()) {
        const url = new URL(check.path, `${v.origin}/`).toString();
        wanted.set(`${route.name}\u0000${v.name}`, {
          route: route.name,
          version: v.name,
          url,
          check,
          tls: v.tls,
        });
      }
    }
    for (const [key, target] of this.targets) {
      const w = wanted.get(key);
      if (!w || JSON.stringify([w.url, w.check, w.tls]) !== target.signature) this.stop(key);
    }
    for (const [key, w] of wanted) {
      if (this.targets.has(key)) continue;
      const target: Target = {
        state: {
          route: w.route,
          version: w.version,
          url: w.url,
          healthy: true,
          since: this.options.now(),
          consecutiveFailures: 0,
          consecutiveSuccesses: 0,
          lastCheckedAt: null,
          lastError: null,
        },
        check: w.check,
        tls: w.tls,
        signature: JSON.stringify([w.url, w.check, w.tls]),
        timer: undefined,
        stopped: false,
      };
      this.targets.set(key, target);
      this.run(target);
    }
  }

  isHealthy(route: string, version: string): boolean {
    return this.targets.get(`${route}\u0000${version}`)?.state.healthy ?? true;
  }

  states(): HealthState[] {
    return [...this.targets.values()].map((t) => ({ ...t.state }));
  }

  close(): void {
    for (const key of [...this.targets.keys()]) this.stop(key);
  }

  private stop(key: string): void {
    const t = this.targets.get(key);
    if (!t) return;
    t.stopped = true;
    clearTimeout(t.timer);
    this.targets.delete(key);
  }

  private schedule(target: Target): void {
    if (target.stopped) return;
    target.timer = setTimeout(() => this.run(target), target.check.intervalMs);
    target.timer.unref();
  }

  private run(target: Target): void {
    if (target.stopped) return;
    probe(target.state.url, target.check, target.tls).then((error) => {
      if (target.stopped) return;
      this.observe(target, error);
      this.schedule(target);
    });
  }

  private observe(target: Target, error: string | null): void {
    const s = target.state;
    const now = this.options.now();
    s.lastCheckedAt = now;
    s.lastError = error;
    if (error === null) {
      s.consecutiveSuccesses++;
      s.consecutiveFailures = 0;
      if (!s.healthy && s.consecutiveSuccesses >= target.check.healthyThreshold) {
        s.healthy = true;
        s.since = now;
        this.options.onChange({
          route: s.route,
          version: s.version,
          healthy: true,
          reason: 'checks pass',
          at: now,
        });
      }
    } else {
      s.consecutiveFailures++;
      s.consecutiveSuccesses = 0;
      if (s.healthy && s.consecutiveFailures >= target.check.unhealthyThreshold) {
        s.healthy = false;
        s.since = now;
        this.options.onChange({ route: s.route, version: s.version, healthy: false, reason: error, at: now });
      }
    }
  }
}

/** One check: resolves null on an expected status, else a short reason. Never rejects. */
export function probe(url: string, check: HealthCheckConfig, tls?: Tls): Promise<string | null> {
  return new Promise((resolve) => {
    const transport = url.startsWith('https:') ? https : http;
    let settled = false;
    const settle = (value: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const req = transport.get(
      url,
      { agent: false, headers: { 'user-agent': 'sluice-router-health' }, ...tls },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        const { min, max } = check.expectedStatus;
        settle(status >= min && status <= max ? null : `status ${status}`);
      },
    );
    const timer = setTimeout(() => {
      settle(`no answer in ${check.timeoutMs} ms`);
      req.destroy();
    }, check.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
  });
}
