/**
 * The rollout timer loop: timers are rows, and this loop fires the due ones. One pass runs at a
 * time — a wake during a pass is honoured when it ends — and a pass fires due timers a batch at
 * a time, the timers of different runs concurrently (the runtime keeps each run's events in
 * order), until none is due; then it sleeps until the next one (at most `tickMs`). The loop is
 * woken by every timer the runtime stores, after its commit, so it never sleeps past one.
 */
import type { Executor } from '../storage/index.js';
import { createRunStore } from './run-store.kysely.js';

/** Due timers fired per query, concurrently across runs. */
const TIMER_BATCH = 200;

export interface DueTimer {
  runId: string;
  timerId: string;
  dueAt: number;
}

export interface TimerLoopOptions {
  db: Executor;
  /** Epoch milliseconds. */
  now: () => number;
  /** The longest the loop sleeps. */
  tickMs: number;
  /** Fires one timer; resolves to true when it was handled (fired here, or found fired elsewhere). */
  fire(due: DueTimer): Promise<boolean>;
  log?: (level: 'error', message: string, fields?: Record<string, unknown>) => void;
}

export class TimerLoop {
  private timer: NodeJS.Timeout | undefined;
  /** When the sleeping loop wakes (performance.now() ms); +Infinity while not asleep. */
  private wakeAt = Number.POSITIVE_INFINITY;
  private pass: Promise<void> | undefined;
  private again = false;
  /** How long to sleep after the pass under way, as it worked out. */
  private delay = 0;
  private wakeAfterPass = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(private readonly options: TimerLoopOptions) {}

  /** Makes the loop look for due timers by `dueAt` (epoch ms; at most `tickMs` from now). */
  wake(dueAt: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.min(this.options.tickMs, dueAt - this.options.now()));
    if (this.pass) {
      if (delay === 0) this.again = true;
      else this.wakeAfterPass = Math.min(this.wakeAfterPass, performance.now() + delay);
      return;
    }
    const at = performance.now() + delay;
    if (this.timer && at >= this.wakeAt) return; // it wakes early enough already
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.pass = this.run().finally(() => {
        this.pass = undefined;
        this.sleep();
      });
    }, delay);
    this.timer.unref();
  }

  /** Stops waking, and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  /** One pass: fires every due timer once, then works out how long to sleep. */
  private async run(): Promise<void> {
    const { now, tickMs } = this.options;
    const store = createRunStore(this.options.db);
    this.delay = tickMs;
    try {
      let stuck = false;
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const due = await store.dueTimers(now(), TIMER_BATCH);
          if (!due.length) break;
          const handled = await Promise.all(due.map((d) => this.options.fire(d)));
          if (!handled.some(Boolean)) {
            stuck = true; // every one failed: retry after tickMs rather than spin on them
            break;
          }
        }
      } while (this.again && !stuck);
      const next = await store.nextTimerDue();
      if (!stuck && next !== null) this.delay = Math.max(0, Math.min(tickMs, next - now()));
    } catch (error) {
      this.options.log?.('error', 'the rollout timer loop failed', { error: String(error) });
    }
  }

  private sleep(): void {
    let delay = this.again ? 0 : this.delay;
    delay = Math.min(delay, Math.max(0, this.wakeAfterPass - performance.now()));
    this.again = false;
    this.wakeAfterPass = Number.POSITIVE_INFINITY;
    this.wake(this.options.now() + delay);
  }
}
