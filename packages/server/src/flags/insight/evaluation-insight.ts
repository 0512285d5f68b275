/**
 * Evaluation counters per environment, flag and variant. `recordEvaluation` is a Map increment
 * (it sits on the OFREP and SDK hot paths); a timer flushes the counts to the database every few
 * seconds in one transaction (added to per-UTC-day buckets, so replicas sum up), and
 * `sluice_flag_evaluations_total` on /metrics is brought up to date when it is scraped.
 * Counts are attributed to the day and time of the flush that writes them.
 */
import { Counter, type Registry } from 'prom-client';
import type { Executor } from '../../storage/index.js';
import { type CounterDelta, createInsightStore } from './insight-store.js';
import {
  type FlagUsage,
  findStaleFlags,
  type StaleFlag,
  summariseUsage,
  utcDay,
  windowStart,
} from './stale.js';

interface Pending extends CounterDelta {
  /** How much of `count` the Prometheus counter already has. */
  exported: number;
}

export interface EvaluationInsightOptions {
  db: Executor;
  now?: () => Date;
  log?: (message: string, error?: unknown) => void;
}

export class EvaluationInsight {
  private pending = new Map<string, Pending>();
  /** Entries of `pending` by environment, flag and variant; emptied whenever `pending` is replaced. */
  private index = new Map<string, Map<string, Map<string, Pending>>>();
  private counter: Counter<'environment' | 'flag' | 'variant'> | undefined;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: EvaluationInsightOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Adds `sluice_flag_evaluations_total` to the app's registry (the app is built after this). */
  registerMetrics(registry: Registry): void {
    const self = this;
    this.counter = new Counter({
      name: 'sluice_flag_evaluations_total',
      help: 'Flag evaluations by environment, flag and variant',
      labelNames: ['environment', 'flag', 'variant'] as const,
      registers: [registry],
      collect() {
        self.exportTo(self.pending);
      },
    });
  }

  /**
   * Counts `count` evaluations (one by default; an SDK's impressions report many). Cheap: the
   * entry is found by environment, flag and variant in `index` (the callers' own strings, no key
   * built: a bulk OFREP answer records 50 of these), else by its key in `pending`, then added to.
   */
  recordEvaluation(environment: string, flag: string, variant: string, count = 1): void {
    const known = this.index.get(environment)?.get(flag)?.get(variant);
    if (known) {
      known.count += count;
      return;
    }
    const key = `${environment}\u0000${flag}\u0000${variant}`;
    let entry = this.pending.get(key);
    if (entry) entry.count += count;
    else {
      entry = { environment, flag, variant, count, exported: 0 };
      this.pending.set(key, entry);
    }
    let flags = this.index.get(environment);
    if (!flags) {
      flags = new Map();
      this.index.set(environment, flags);
    }
    let variants = flags.get(flag);
    if (!variants) {
      variants = new Map();
      flags.set(flag, variants);
    }
    variants.set(variant, entry);
  }

  start(flushMs = 5000): void {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is still counted. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Writes the counts so far; on failure they stay in memory for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      this.index = new Map();
      this.exportTo(batch);
      const now = this.now();
      try {
        await createInsightStore(this.options.db).add([...batch.values()], utcDay(now), now.toISOString());
      } catch (error) {
        this.options.log?.('writing flag evaluation counts failed; keeping them for the next flush', error);
        for (const [key, e] of batch) {
          const later = this.pending.get(key);
          if (later) {
            later.count += e.count;
            later.exported += e.exported;
          } else this.pending.set(key, e);
        }
      }
    });
    return this.flushing;
  }

  /** Stale flags of an environment (definition in stale.ts), after flushing local counts. */
  async stale(
    environment: string,
    days: number,
    flags: { name: string; createdAt: string }[],
  ): Promise<StaleFlag[]> {
    await this.flush();
    const now = this.now();
    const store = createInsightStore(this.options.db);
    return findStaleFlags({
      now,
      days,
      flags,
      buckets: await store.buckets(environment, windowStart(now, days)),
      history: await store.history(environment),
    });
  }

  /** Evaluations by flag and variant over the window of `days` (as `stale`), with last evaluation times. */
  async usage(environment: string, days: number): Promise<FlagUsage[]> {
    await this.flush();
    const now = this.now();
    const store = createInsightStore(this.options.db);
    return summariseUsage({
      now,
      days,
      buckets: await store.buckets(environment, windowStart(now, days)),
      history: await store.history(environment),
    });
  }

  private exportTo(entries: Map<string, Pending>): void {
    if (!this.counter) return;
    for (const e of entries.values()) {
      if (e.count === e.exported) continue;
      this.counter.inc(
        { environment: e.environment, flag: e.flag, variant: e.variant },
        e.count - e.exported,
      );
      e.exported = e.count;
    }
  }
}
