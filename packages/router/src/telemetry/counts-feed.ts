/**
 * The router's per-version counts as they change: after a recorded request, within
 * `coalesceMs`, `deliver` gets the versions whose counts moved since the last delivery (lifetime
 * totals). One delivery at a time; what changes meanwhile goes in the next one. The control
 * plane acts on these at once (a decisive canary failure rolls back without waiting for the
 * next scheduled check).
 */
import type { RouterMetrics, VersionCounts } from './registry.js';

export interface CountsFeedOptions {
  metrics: RouterMetrics;
  deliver: (changed: VersionCounts[]) => Promise<void> | void;
  /** Wait this long after a change for more before delivering. Default 100 ms. */
  coalesceMs?: number;
}

export class CountsFeed {
  private sent = new Map<string, VersionCounts>();
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private dirty = false;
  private stopped = true;

  constructor(private readonly options: CountsFeedOptions) {}

  start(): void {
    this.stopped = false;
    this.options.metrics.onRecord = () => this.changed();
  }

  stop(): void {
    this.stopped = true;
    if (this.options.metrics.onRecord) this.options.metrics.onRecord = null;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private changed(): void {
    this.dirty = true;
    if (this.timer || this.delivering || this.stopped) return;
    this.timer = setTimeout(() => void this.flush(), this.options.coalesceMs ?? 100);
    this.timer.unref();
  }

  /** The versions whose counts moved since the last call. */
  takeChanges(): VersionCounts[] {
    const out: VersionCounts[] = [];
    // rebuilt each time, so versions the router pruned are forgotten here too
    const next = new Map<string, VersionCounts>();
    for (const c of this.options.metrics.counts()) {
      const key = `${c.route}\u0000${c.version}`;
      const before = this.sent.get(key);
      next.set(key, c);
      if (!before || before.requests !== c.requests || before.errors !== c.errors) out.push(c);
    }
    this.sent = next;
    return out;
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    this.dirty = false;
    const changed = this.takeChanges();
    if (changed.length > 0) {
      this.delivering = true;
      try {
        await this.options.deliver(changed);
      } catch {
        // best effort: the scheduled checks still read the routers' windows
      } finally {
        this.delivering = false;
      }
    }
    if (this.dirty) this.changed();
  }
}
