/**
 * Response deadlines of the requests in flight, without a node timer per request: a
 * setTimeout/clearTimeout pair (with its closure) costs ~0.7 µs, about a tenth of what the
 * router adds to a proxied request. Requests with the same timeout join one queue in the order
 * their clocks start, so the earliest deadline is always at its head and one timer, armed for
 * the head, serves the whole queue (node's own timer lists work the same way). A request that
 * got its answer is cleared from its slot and skipped.
 */

export interface Expiring {
  /** Called once, at the deadline, unless cancelled first. */
  expire(): void;
}

/** Monotonic milliseconds. */
const clock = () => performance.now();

/** Slots at the head already passed are only cut off once this many have gathered. */
const COMPACT_AFTER = 1024;

class DeadlineQueue {
  private items: (Expiring | undefined)[] = [];
  private times: number[] = [];
  /** Ticket number of items[0]. */
  private base = 0;
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  add(item: Expiring): number {
    this.skipCleared();
    const ticket = this.base + this.items.length;
    this.items.push(item);
    this.times.push(clock() + this.ms);
    if (this.timer === undefined) this.arm(this.ms);
    return ticket;
  }

  cancel(ticket: number): void {
    const i = ticket - this.base;
    if (i >= this.head && i < this.items.length) this.items[i] = undefined;
  }

  /** Requests usually end in the order they started: their cleared slots are left behind here. */
  private skipCleared(): void {
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
    if (this.head === this.items.length) {
      this.base += this.items.length;
      this.items = [];
      this.times = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER) {
      this.base += this.head;
      this.items = this.items.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(ms)));
    // the sockets of the requests waiting keep the process alive, not this timer
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = clock();
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      if (item !== undefined && (this.times[this.head] as number) > now) break;
      // the slot is left before expire() runs, which may add to this queue
      this.items[this.head] = undefined;
      this.head++;
      item?.expire();
    }
    this.skipCleared();
    if (this.head < this.items.length && this.timer === undefined) {
      this.arm((this.times[this.head] as number) - now);
    }
  }
}

/** Per timeout (ms): process-wide, as node's timer lists are. */
const queues = new Map<number, DeadlineQueue>();

/** Calls `item.expire()` in `ms` unless `cancelDeadline(ms, ticket)` comes first. */
export function addDeadline(ms: number, item: Expiring): number {
  let queue = queues.get(ms);
  if (queue === undefined) {
    queue = new DeadlineQueue(ms);
    queues.set(ms, queue);
  }
  return queue.add(item);
}

export function cancelDeadline(ms: number, ticket: number): void {
  queues.get(ms)?.cancel(ticket);
}
