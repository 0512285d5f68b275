/**
 * Events are kept `days` days after they arrive (config `quotas.eventsRetentionDays`, default
 * 30), so no client can fill the disk by sending them for long (issue 13, M4). Pruned at start
 * and hourly, in slices of 10,000 rows.
 */
import type { EventStore } from './event-store.js';

const EVERY_MS = 3_600_000;
const SLICE = 10_000;

export class EventRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Pick<EventStore, 'pruneReceivedBefore'>,
    private readonly days: number,
    private readonly now: () => Date,
    private readonly log: (message: string, error: unknown) => void = () => {},
  ) {}

  start(): void {
    void this.prune();
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every event past the retention; resolves to how many went. */
  prune(): Promise<number> {
    this.running ??= (async () => {
      const before = new Date(this.now().getTime() - this.days * 86_400_000);
      let total = 0;
      try {
        for (;;) {
          const n = await this.store.pruneReceivedBefore(before, SLICE);
          total += n;
          if (n < SLICE) break;
        }
      } catch (error) {
        this.log('pruning old events failed', error);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }
}
