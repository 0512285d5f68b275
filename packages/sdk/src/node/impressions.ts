/**
 * Impressions: how often the client served each flag's variants, counted in memory and sent to
 * the server (`POST /api/v1/sdk/impressions`) every interval, so its evaluation counts and
 * stale-flag detection include SDK traffic. Counts only: no user, no context.
 *
 * Counting is on the evaluation path, so it is a Map lookup by flag and a scan of that flag's few
 * (variant, reason) tallies, comparing strings the engine hands out (the same objects every
 * time): no key is built per evaluation. Tallies are bounded; a failed send puts its counts back
 * for the next one, within the same bound; nothing here throws into an evaluation.
 */
import {
  FLAG_KEY_PATTERN,
  type ImpressionBatch,
  MAX_IMPRESSION_COUNT,
  MAX_IMPRESSION_ITEMS,
} from '@sluice/core/flags';

interface Tally {
  readonly variant: string | undefined;
  readonly reason: string;
  count: number;
}

export interface ImpressionOptions {
  /** Distinct (flag, variant, reason) held at most; evaluations past it are counted as dropped. */
  maxTallies: number;
  /**
   * Sends one batch: `sent` when the server took it, `refused` when it never will (the batch is
   * dropped); rejects when it may later (unreachable, busy): the counts are kept for the next flush.
   */
  send: (batch: ImpressionBatch) => Promise<'sent' | 'refused'>;
  now?: () => number;
}

export interface ImpressionStats {
  /** Evaluations counted and not yet delivered. */
  pending: number;
  /** Evaluations not reported: past the bound, or in a batch the server refused as invalid. */
  dropped: number;
  /** Evaluations the server took. */
  delivered: number;
}

export class ImpressionCounter {
  private byFlag = new Map<string, Tally[]>();
  private tallies = 0;
  private from: number;
  private dropped = 0;
  private delivered = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: ImpressionOptions) {
    this.now = options.now ?? Date.now;
    this.from = this.now();
  }

  /** Counts one evaluation. */
  count(flag: string, variant: string | undefined, reason: string): void {
    const tallies = this.byFlag.get(flag);
    if (tallies !== undefined) {
      for (let i = 0; i < tallies.length; i++) {
        const t = tallies[i] as Tally;
        if (t.variant === variant && t.reason === reason) {
          t.count++;
          return;
        }
      }
    }
    this.add(flag, tallies, variant, reason, 1);
  }

  stats(): ImpressionStats {
    let pending = 0;
    for (const tallies of this.byFlag.values()) for (const t of tallies) pending += t.count;
    return { pending, dropped: this.dropped, delivered: this.delivered };
  }

  /** Sends what is counted, one flush at a time; never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce()).catch(() => {});
    return this.flushing;
  }

  private add(
    flag: string,
    tallies: Tally[] | undefined,
    variant: string | undefined,
    reason: string,
    count: number,
  ) {
    if (this.tallies >= this.options.maxTallies) {
      this.dropped += count;
      return;
    }
    const tally: Tally = { variant, reason, count };
    if (tallies === undefined) this.byFlag.set(flag, [tally]);
    else tallies.push(tally);
    this.tallies++;
  }

  private async flushOnce(): Promise<void> {
    if (this.byFlag.size === 0) return;
    const taken = this.byFlag;
    const from = this.from;
    const to = Math.max(from, this.now());
    this.byFlag = new Map();
    this.tallies = 0;
    this.from = to;
    const items: ImpressionBatch['items'] = [];
    for (const [flag, tallies] of taken) {
      // keys the server's flags cannot have (a flagd bootstrap file's): not sent, the batch would be refused
      if (!FLAG_KEY_PATTERN.test(flag)) {
        for (const t of tallies) this.dropped += t.count;
        continue;
      }
      for (const t of tallies) {
        const variant = t.variant !== undefined && t.variant.length <= 128 ? t.variant : undefined;
        // an item carries at most MAX_IMPRESSION_COUNT: a hotter tally goes as several items
        for (let left = t.count; left > 0; left -= MAX_IMPRESSION_COUNT) {
          items.push({
            flag,
            ...(variant !== undefined ? { variant } : {}),
            reason: t.reason.slice(0, 64),
            count: Math.min(left, MAX_IMPRESSION_COUNT),
          });
        }
      }
    }
    for (let i = 0; i < items.length; i += MAX_IMPRESSION_ITEMS) {
      const chunk = items.slice(i, i + MAX_IMPRESSION_ITEMS);
      let outcome: 'sent' | 'refused' | 'failed';
      try {
        outcome = await this.options.send({ from, to, items: chunk });
      } catch {
        outcome = 'failed';
      }
      if (outcome === 'failed') {
        // the server is away or busy: this chunk and the rest wait for the next flush
        this.putBack(items.slice(i), from);
        return;
      }
      const total = chunk.reduce((sum, item) => sum + item.count, 0);
      if (outcome === 'sent') this.delivered += total;
      else this.dropped += total;
    }
  }

  /** Counts a failed send again, merged with what was counted since (within the bound). */
  private putBack(items: ImpressionBatch['items'], from: number): void {
    this.from = Math.min(this.from, from);
    for (const item of items) {
      const tallies = this.byFlag.get(item.flag);
      const reason = item.reason ?? 'UNKNOWN';
      const same = tallies?.find((t) => t.variant === item.variant && t.reason === reason);
      if (same) same.count += item.count;
      else this.add(item.flag, tallies, item.variant, reason, item.count);
    }
  }
}
