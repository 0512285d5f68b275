/**
 * Response deadlines of the requests in flight, without a node timer per request: a
 * setTimeout/clearTimeout pair (with its closure) costs ~0.7 µs, about a tenth of what the
 * router adds to a proxied request. Requests with the same timeout join one list in the order
 * their clocks start, so the earliest deadline is always at its head and one timer, armed for
 * the head, serves the whole list; a request that got its answer leaves the list at once (as in
 * node's own timer lists), so the list holds only the requests in flight.
 */

export interface Expiring {
  /** Called once, at the deadline, unless cancelled first. */
  expire(): void;
}

/** A running deadline: what `cancelDeadline` takes. */
export interface Deadline {
  readonly at: number;
}

interface Entry extends Deadline {
  item: Expiring;
  prev: Entry | undefined;
  next: Entry | undefined;
  /** Its list while it runs; undefined once it expired or was cancelled. */
  list: DeadlineList | undefined;
}

/** Monotonic milliseconds. */
const clock = () => performance.now();

class DeadlineList {
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** True while expiring: whatever is added then is armed for after the loop. */
  private firing = false;

  constructor(private readonly ms: number) {}

  add(item: Expiring): Entry {
    const entry: Entry = { item, at: clock() + this.ms, prev: this.tail, next: undefined, list: this };
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    if (this.timer === undefined && !this.firing) this.arm(this.ms);
    return entry;
  }

  remove(entry: Entry): void {
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    entry.list = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(ms)));
    // the sockets of the requests waiting keep the process alive, not this timer
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.firing = true;
    let failure: { error: unknown } | undefined;
    try {
      const now = clock();
      for (let entry = this.head; entry !== undefined && entry.at <= now; entry = this.head) {
        // out of the list before expire() runs, which may add to it
        this.remove(entry);
        try {
          entry.item.expire();
        } catch (error) {
          // the others still expire and the timer is armed again; the first failure is rethrown
          failure ??= { error };
        }
      }
    } finally {
      this.firing = false;
      if (this.head !== undefined && this.timer === undefined) this.arm(this.head.at - clock());
    }
    if (failure !== undefined) throw failure.error;
  }
}

/** Per timeout (ms): process-wide, as node's timer lists are. */
const lists = new Map<number, DeadlineList>();

/** Calls `item.expire()` in `ms` unless `cancelDeadline` comes first. */
export function addDeadline(ms: number, item: Expiring): Deadline {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list.add(item);
}

/** Stops a deadline; one that already expired or was cancelled is left as it is. */
export function cancelDeadline(deadline: Deadline): void {
  const entry = deadline as Entry;
  entry.list?.remove(entry);
}
